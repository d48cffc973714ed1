"""The workbook as an app (Voilà, ``python -m workbook app``) in a real browser at 1366×768.

The therapist's view during a visit: a clinic laptop's screen, no code, the tab bar always in
reach, and a page refresh that simply reloads the app. The server is started exactly as a
therapist starts it (``python -m workbook app --no-browser --store ...``), on a copy of the demo
store in a temporary per-user folder. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import pytest

from tests.browser.app_steps import LAPTOP, TIMEOUT_MS, assert_no_error_on, open_app
from tests.browser.tab_switch import switch_from_the_scrolled_visit

pytestmark = pytest.mark.browser


def test_the_app_opens_on_the_visit_screens_with_no_code(app, laptop, artifacts):
    open_app(laptop, app)
    assert_no_error_on(laptop)
    assert laptop.locator(".jp-InputArea-editor, .CodeMirror, .cm-editor").count() == 0
    assert laptop.get_by_text("fictional").first.is_visible()
    tabs = laptop.locator(".lm-TabBar-tab, .widget-tab .p-TabBar-tab")
    assert tabs.count() >= 4
    box = tabs.first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= LAPTOP["height"]
    laptop.screenshot(path=str(artifacts / "app-1-open.png"))


def test_a_refresh_simply_reloads_the_app(app, laptop, artifacts):
    open_app(laptop, app)
    laptop.reload(timeout=TIMEOUT_MS)
    laptop.locator(".widget-select select").first.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert_no_error_on(laptop)
    laptop.screenshot(path=str(artifacts / "app-2-after-refresh.png"))


def test_picking_a_patient_shows_their_routine_within_the_screen(app, laptop, artifacts):
    open_app(laptop, app)
    patients = laptop.locator(".widget-select select").first
    first = patients.locator("option").all_inner_texts()[0]
    patients.select_option(label=first)
    laptop.locator(".lm-TabBar-tab", has_text="Routine").first.click()
    laptop.locator(".wb-card-details").nth(3).wait_for(timeout=TIMEOUT_MS)  # all four drawn
    laptop.get_by_text("No routine yet").wait_for(state="hidden", timeout=TIMEOUT_MS)
    assert_no_error_on(laptop)
    tabs = laptop.locator(".lm-TabBar-tab").first.bounding_box()
    assert tabs is not None and tabs["y"] >= 0, "the tab bar scrolled out of sight"
    laptop.screenshot(path=str(artifacts / "app-3-routine.png"))


def test_the_tab_bar_stays_in_view_and_the_chart_is_not_upscaled(app, laptop, artifacts):
    """Issue 13: at 1366x768 every tab switch is in reach, and the chart is drawn at its size."""
    open_app(laptop, app)
    patients = laptop.locator(".widget-select select").first
    patients.select_option(index=0)
    laptop.locator(".lm-TabBar-tab", has_text="Progress").first.click()
    chart = laptop.locator(".widget-image").first
    chart.wait_for(state="visible", timeout=TIMEOUT_MS)
    laptop.wait_for_function(
        "() => { const img = document.querySelector('.widget-image');"
        " return img && img.complete && img.naturalWidth > 300; }",
        timeout=TIMEOUT_MS,
    )
    natural, shown = laptop.evaluate(
        "() => { const img = document.querySelector('.widget-image');"
        " return [img.naturalWidth, img.getBoundingClientRect().width]; }"
    )
    assert shown <= natural + 1, f"the chart is stretched from {natural} to {shown} px"
    laptop.mouse.wheel(0, 1500)
    laptop.wait_for_timeout(400)
    bar = laptop.locator(".lm-TabBar-tab", has_text="Visit").first.bounding_box()
    assert bar is not None and 0 <= bar["y"] <= LAPTOP["height"] - bar["height"], bar
    laptop.screenshot(path=str(artifacts / "app-4-progress-scrolled.png"))
    assert_no_error_on(laptop)


def test_the_tab_bar_stays_in_view_switching_from_the_scrolled_visit_form(app, laptop, artifacts):
    """Issue 13: from the visit form scrolled down, every other tab opens at its top under the
    bar, Progress first while its chart is not drawn yet; the bar never leaves the screen."""
    open_app(laptop, app)
    laptop.locator(".widget-select select").first.select_option(index=0)
    laptop.locator(".wb-patient-card").wait_for(timeout=TIMEOUT_MS)
    for title in ("4. Progress", "1. Patient", "2. Routine", "5. Caseload"):
        name = title.split(". ")[1].lower()
        switch_from_the_scrolled_visit(
            laptop, title, artifacts, f"app-5-visit-to-{name}", TIMEOUT_MS
        )
    assert_no_error_on(laptop)
