"""Switching tabs from a scrolled tab, as a therapist does mid-visit, in JupyterLab and the app.

Issue 13 wants the tab bar always in view at 1366x768. The hard case is a switch from a tab
scrolled down (the visit form) to a tab that is shorter, or not drawn yet when it is shown (the
Progress tab draws its chart after the click): the bar must stay in view in every frame of the
switch, not only once the new tab has settled, and the new tab opens at its top, under the bar.

"In view" means seen by the therapist: inside the window and not under anything else (in
JupyterLab the notebook's toolbar covers a bar that slid above the notebook panel), checked with
``document.elementFromPoint``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SEEN_JS", "bar_seen", "scroll_the_visit_form", "switch_from_the_scrolled_visit"]

#: Where the tab bar is and whether the therapist sees it; the top of the shown tab's contents.
SEEN_JS = """() => {
  const bar = document.querySelector('.wb-tabs > .lm-TabBar');
  const contents = document.querySelector('.wb-tabs > .widget-tab-contents');
  if (!bar || !contents) { return {seen: false, top: null, bottom: null, contentsTop: null}; }
  const box = bar.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + Math.min(40, box.width / 2),
                                        box.top + box.height / 2);
  const inWindow = box.top >= 0 && box.bottom <= window.innerHeight;
  return {seen: inWindow && hit !== null && bar.contains(hit), top: Math.round(box.top),
          bottom: Math.round(box.bottom),
          contentsTop: Math.round(contents.getBoundingClientRect().top)};
}"""

_WATCH_JS = """() => {
  window.wbBarSamples = [];
  const sample = () => {
    window.wbBarSamples.push((SEEN)());
    if (window.wbBarSamples.length < 120) { requestAnimationFrame(sample); }
  };
  requestAnimationFrame(sample);
}""".replace("SEEN", SEEN_JS)


def bar_seen(page) -> dict:
    """:data:`SEEN_JS` now."""
    return page.evaluate(SEEN_JS)


def _tab(page, title: str):
    return page.locator(".wb-tabs > .lm-TabBar .lm-TabBar-tab", has_text=title).first


def scroll_the_visit_form(page, timeout_ms: int) -> None:
    """Open the Visit tab and scroll its form down under the bar, as a therapist filling it."""
    _tab(page, "3. Visit").click()
    field = page.get_by_placeholder("not measured").first
    field.wait_for(state="visible", timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.mouse.move(683, 500)
    page.mouse.wheel(0, -5000)  # from the top of the notebook or page, the same each time
    page.wait_for_timeout(300)
    for _ in range(2):  # within the form: past its first fields, not past the app
        page.mouse.wheel(0, 300)
    page.wait_for_timeout(500)
    box = field.bounding_box()
    assert box is not None and box["y"] < bar_seen(page)["top"], "the form did not scroll"
    assert bar_seen(page)["seen"], f"the tab bar scrolled out of sight: {bar_seen(page)}"


def switch_from_the_scrolled_visit(
    page, title: str, artifacts: Path, shot_name: str, timeout_ms: int
) -> None:
    """From the scrolled visit form, click ``title``: the bar stays seen in every frame of the
    switch, and the new tab opens at its top (its contents start under the bar)."""
    scroll_the_visit_form(page, timeout_ms)
    page.evaluate(_WATCH_JS)
    _tab(page, title).click()
    if title.endswith("Progress"):  # drawn after it is shown: wait for the chart
        page.locator(".wb-tabs .widget-image").first.wait_for(state="visible", timeout=timeout_ms)
    page.wait_for_function("() => window.wbBarSamples.length >= 120", timeout=timeout_ms)
    samples = page.evaluate("window.wbBarSamples")
    unseen = [sample for sample in samples if not sample["seen"]]
    assert not unseen, f"switching to {title}: the tab bar left the screen: {unseen[:3]}"
    page.wait_for_timeout(300)
    settled = bar_seen(page)
    page.screenshot(path=str(artifacts / f"{shot_name}.png"))
    assert settled["seen"], f"after switching to {title}: {settled}"
    assert settled["contentsTop"] >= settled["bottom"] - 1, (
        f"{title} opened part-way down, under the bar: {settled}"
    )
