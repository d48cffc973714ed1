"""The visit notebook in JupyterLab on a clinic laptop (1366×768): the tab bar stays in view.

While a long tab scrolls, and when another tab is opened from the scrolled visit form: every
other tab, Progress first while its chart is not drawn yet (the bar used to slide above the
notebook as the chart appeared). And with the file browser open, no tab scrolls sideways.
Marked ``browser``. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import pytest

from tests.browser.tab_switch import bar_seen, switch_from_the_scrolled_visit
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
    in_window = box is not None and box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"]
    return in_window and bar_seen(page)["seen"]  # and not under the notebook's toolbar


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
    laptop.locator(".wb-card-details").nth(3).wait_for(timeout=TIMEOUT_MS)  # four cards
    button = laptop.locator(".wb-handout button").first  # the handout, one click, no scrolling
    button.wait_for(timeout=TIMEOUT_MS)
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= LAPTOP["height"]
    laptop.screenshot(path=str(artifacts / "shell-2-routine-1366x768.png"))

    # the visit form is the longest tab: scroll it far down, as a therapist filling it does
    laptop.locator(".lm-TabBar-tab", has_text="3. Visit").click()
    laptop.get_by_placeholder("not measured").first.wait_for(timeout=TIMEOUT_MS)
    laptop.mouse.move(683, 500)
    for _ in range(2):  # within the form: past its first fields, not past the app
        laptop.mouse.wheel(0, 300)
    laptop.wait_for_timeout(500)
    field = laptop.get_by_placeholder("not measured").first.bounding_box()
    assert field is not None and field["y"] < 0  # the form did scroll under the bar
    laptop.screenshot(path=str(artifacts / "shell-3-visit-scrolled-1366x768.png"))
    assert _tab_bar_in_view(laptop), "the tab bar scrolled out of sight"

    # from the scrolled form to every other tab; Progress first, its chart not drawn yet
    titles = laptop.locator(".wb-tabs > .lm-TabBar .lm-TabBar-tab").all_inner_texts()
    others = sorted(
        (t.strip() for t in titles if "Visit" not in t), key=lambda t: "Progress" not in t
    )
    assert others[0] == "4. Progress" and "1. Patient" in others and "2. Routine" in others
    for title in others:
        name = title.split(". ")[1].lower()
        switch_from_the_scrolled_visit(
            laptop, title, artifacts, f"shell-4-visit-to-{name}-1366x768", TIMEOUT_MS
        )
        assert _tab_bar_in_view(laptop)


_SIDEWAYS = """(app) => {
    // Every box that scrolls sideways, from the app up to the notebook: the widest first.
    const boxes = [...app.querySelectorAll('*')];
    for (let up = app; up && !up.classList.contains('jp-Notebook'); up = up.parentElement)
        boxes.push(up);
    return boxes
        .filter((el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
        .map((el) => ({over: el.scrollWidth - el.clientWidth, what: el.className}))
        .filter((box) => box.over > 1)
        .sort((a, b) => b.over - a.over);
}"""


def test_every_tab_fits_the_notebook_with_the_file_browser_open(lab, laptop, artifacts):
    """JupyterLab's file browser takes a quarter of a laptop's width: no tab scrolls sideways."""
    run_all(laptop, lab, "visit.ipynb")
    patients = laptop.locator(".widget-select select").first
    patients.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert laptop.locator(".jp-FileBrowser").first.is_visible(), "the file browser is open"
    first = patients.locator("option").all_inner_texts()[0]
    patients.select_option(label=first)
    laptop.locator(".wb-patient-card").wait_for(timeout=TIMEOUT_MS)
    titles = laptop.locator(".wb-tabs > .lm-TabBar .lm-TabBar-tab").all_inner_texts()
    assert len(titles) == 5
    app = laptop.locator(".wb-app").first
    for title in titles:
        laptop.locator(".lm-TabBar-tab", has_text=title.strip()).click()
        laptop.wait_for_timeout(1500)  # the tab's content drawn (Progress: its chart)
        name = title.strip().split(". ")[1].lower()
        laptop.screenshot(path=str(artifacts / f"shell-5-{name}-file-browser-1366x768.png"))
        sideways = app.evaluate(_SIDEWAYS)
        assert sideways == [], f"{title.strip()} scrolls sideways: {sideways}"
        if name == "visit":  # fitting by shrinking is no fit: the long fields keep their room
            for field in ("activity, in the patient's words", "Notes"):
                box = laptop.get_by_placeholder(field).first.bounding_box()
                assert box is not None and box["width"] >= 300, (field, box)
