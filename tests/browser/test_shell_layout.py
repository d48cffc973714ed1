"""The visit notebook in JupyterLab on a clinic laptop (1366×768): the tab bar stays in view.

Marked ``browser``. Screenshots of the Patient and Routine tabs go to ``test-artifacts/``.
"""

from __future__ import annotations

import pytest

from tests.browser.test_lab_e2e import TIMEOUT_MS, run_all

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport=LAPTOP)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def _tab_bar_in_view(page) -> bool:
    box = page.locator(".wb-tabs > .lm-TabBar").first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"]


def test_the_tab_bar_stays_in_view_while_a_long_tab_scrolls(lab, laptop, artifacts):
    run_all(laptop, lab, "visit.ipynb")
    patients = laptop.locator(".widget-select select").first
    patients.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert laptop.locator(".wb-store, .wb-msg-warn").count() >= 1  # demo banner or store name
    first = patients.locator("option").all_inner_texts()[0]
    patients.select_option(label=first)
    laptop.locator(".wb-patient-card").wait_for(timeout=TIMEOUT_MS)
    laptop.screenshot(path=str(artifacts / "shell-1-patient-1366x768.png"))

    laptop.locator(".lm-TabBar-tab", has_text="2. Routine").click()
    laptop.locator(".wb-table", has_text="Why this one").wait_for(timeout=TIMEOUT_MS)
    link = laptop.locator(".wb-download").first  # the handout, one click, without scrolling
    link.wait_for(timeout=TIMEOUT_MS)
    box = link.bounding_box()
    assert box is not None and box["y"] + box["height"] <= LAPTOP["height"]
    laptop.screenshot(path=str(artifacts / "shell-2-routine-1366x768.png"))

    # scroll the notebook far down, as a therapist reading the routine does
    laptop.mouse.move(683, 500)
    for _ in range(4):
        laptop.mouse.wheel(0, 400)
    laptop.wait_for_timeout(500)
    table = laptop.locator(".wb-table").first.bounding_box()
    assert table is not None and table["y"] < 0  # the routine did scroll under the bar
    laptop.screenshot(path=str(artifacts / "shell-3-routine-scrolled-1366x768.png"))
    assert _tab_bar_in_view(laptop), "the tab bar scrolled out of sight"
    laptop.locator(".lm-TabBar-tab", has_text="3. Visit").click()
    assert _tab_bar_in_view(laptop)
