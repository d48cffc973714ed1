"""What a therapist does in the app, as Playwright steps: pick, type, click a tab, download.

Shared by the app-mode browser tests. Every step that changes the screen checks that the tab
bar is in view without scrolling (issue 13: at 1366x768 every tab switch is in reach) and saves
a screenshot to ``test-artifacts/`` (``app-*.png``) for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser.tab_switch import bar_seen

__all__ = [
    "LAPTOP",
    "TIMEOUT_MS",
    "assert_no_error_on",
    "download",
    "open_app",
    "pick_patient",
    "shot",
    "show_tab",
    "tab_bar_in_view",
    "text_box",
    "visible",
]

TIMEOUT_MS = 90_000
LAPTOP = {"width": 1366, "height": 768}


def tab_bar_in_view(page) -> None:
    """The app's tab bar lies entirely within the window, at the scroll position shown, and
    nothing covers it."""
    box = page.locator(".wb-tabs > .lm-TabBar").first.bounding_box()
    assert box is not None, "no tab bar"
    assert box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"], box
    assert bar_seen(page)["seen"], f"the tab bar is covered: {bar_seen(page)}"


def shot(page, artifacts: Path, name: str) -> None:
    """Check the tab bar, then save ``app-<name>.png`` (what the therapist sees)."""
    tab_bar_in_view(page)
    page.screenshot(path=str(artifacts / f"app-{name}.png"))


def visible(page):
    """Only what the therapist can see: the shown tab, not the hidden ones."""
    return page.locator(".wb-tabs > .widget-tab-contents > :not(.lm-mod-hidden)").first


def show_tab(page, title: str) -> None:
    page.locator(".wb-tabs > .lm-TabBar .lm-TabBar-tab", has_text=title).first.click()
    page.wait_for_timeout(300)


def pick_patient(page, name: str) -> None:
    """Pick a patient from the list by (part of) their name, on the Patient tab."""
    show_tab(page, "1. Patient")
    patients = page.locator(".widget-select select").first
    option = patients.locator("option", has_text=name).first
    option.wait_for(state="attached", timeout=TIMEOUT_MS)
    patients.select_option(label=option.inner_text())


def text_box(scope, label: str):
    """The text box (input or textarea) whose ipywidgets description is ``label``."""
    exact = re.compile(rf"^{re.escape(label)}$")
    return (
        scope.locator(".widget-text, .widget-textarea")
        .filter(has=getattr(scope, "page", scope).locator("label", has_text=exact))
        .locator("input, textarea")
        .first
    )


def download(page, click) -> tuple[str, bytes]:
    """Run ``click()``, wait for the browser's download; its file name and bytes."""
    with page.expect_download(timeout=TIMEOUT_MS) as started:
        click()
    got = started.value
    return got.suggested_filename, Path(got.path()).read_bytes()


def open_app(page, app) -> None:
    """Load the app and wait until the patient list shows."""
    page.goto(app.url, timeout=TIMEOUT_MS)
    page.locator(".widget-select select").first.wait_for(state="visible", timeout=TIMEOUT_MS)


def assert_no_error_on(page) -> None:
    text = page.locator("body").inner_text()
    for bad in ("Traceback", "Error displaying widget", "model not found"):
        assert bad not in text, f"the page shows {bad!r}"
