"""A whole visit in the app (Voilà) at 1366×768, as a therapist does it, in a real browser.

Pick a patient, add a new one, swap a stretch, download the handout (web page and PDF), log a
visit with a wrong value then correct it and save, correct that saved visit with a reason, export
the progress chart and share the case; then the one-patient-at-a-time guard. The tab bar is in
view at every step; screenshots go to ``test-artifacts/app-*.png``.

It uses the one app server of ``conftest.py`` (started once, exactly as a therapist starts it).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
import zipfile

import pytest

from tests.browser.app_steps import (
    LAPTOP,
    TIMEOUT_MS,
    assert_no_error_on,
    download,
    open_app,
    pick_patient,
    shot,
    show_tab,
    text_box,
    visible,
)
from tests.bundles import images_apart

pytestmark = pytest.mark.browser

NEW_PATIENT = "Nora Newcase"
TODAY = dt.date.today().isoformat()


def _add_patient(page, artifacts) -> None:
    page.locator(".widget-accordion, .jupyter-widget-Accordion").get_by_text(
        "Add a new patient"
    ).first.click()
    text_box(page, "Name").fill(NEW_PATIENT)
    text_box(page, "Birth year").fill("74")
    page.get_by_role("button", name="Add patient").click()
    card = page.locator(".wb-patient-card", has_text=NEW_PATIENT)
    card.wait_for(timeout=TIMEOUT_MS)
    shot(page, artifacts, "5-new-patient")


def _swap_a_stretch(page, artifacts) -> str:
    """Swap the first stretch that has another option; the stretch now chosen."""
    show_tab(page, "2. Routine")
    cards = page.locator(".wb-routine-card")
    cards.nth(3).wait_for(timeout=TIMEOUT_MS)
    for index in range(cards.count()):  # all four movements in sight, without scrolling
        box = cards.nth(index).bounding_box()
        assert box is not None and box["y"] + box["height"] <= LAPTOP["height"], (index, box)
    for index in range(cards.count()):
        choice = cards.nth(index).locator("select").first
        options = choice.locator("option").all_inner_texts()
        if len(options) > 1 and choice.is_enabled():
            other = next(
                o for o in options if o != choice.evaluate("s => s.selectedOptions[0].text")
            )
            choice.select_option(label=other)
            page.get_by_text("changed by the therapist").first.wait_for(timeout=TIMEOUT_MS)
            page.locator(".wb-card-details summary").first.click()  # the details, on demand
            page.get_by_text("Why this one (for you)").first.wait_for(timeout=TIMEOUT_MS)
            shot(page, artifacts, "6-routine-swapped")
            page.locator(".wb-card-details summary").first.click()
            return other.replace("\xa0", " ").rsplit(" (", 1)[0]
    raise AssertionError("no movement offers a second stretch for the new patient")


def _download_the_handout(page, artifacts, stretch: str) -> None:
    handout = page.locator(".wb-handout")
    name, data = download(page, lambda: handout.get_by_role("button", name="Web page").click())
    assert re.fullmatch(rf"NN-handout-{TODAY}\.html", name), name
    page_text = data.decode("utf-8")
    assert NEW_PATIENT in page_text and stretch.replace("'", "&#x27;") in page_text
    name, data = download(page, lambda: handout.get_by_role("button", name="PDF").click())
    assert re.fullmatch(rf"NN-handout-{TODAY}\.pdf", name), name
    assert data.startswith(b"%PDF") and len(data) > 5_000
    shot(page, artifacts, "7-handout-downloaded")


def _log_a_visit_with_a_wrong_value(page, artifacts) -> None:
    show_tab(page, "3. Visit")
    form = visible(page)
    first_rom = form.get_by_placeholder("not measured").first  # hip flexion, left
    first_rom.fill("400")
    message = form.get_by_text("400", exact=False).filter(has_text="allowed").first
    message.wait_for(timeout=TIMEOUT_MS)
    words = message.inner_text()
    assert "Hip flexion" in words and "left" in words, words  # the field, in words
    assert "_" not in words, f"an internal name in {words!r}"
    assert form.get_by_role("button", name="Save visit").is_disabled()
    shot(page, artifacts, "8-visit-wrong-value")
    first_rom.fill("104")
    text_box(form, "Pain (0-10)").fill("3")
    save = form.get_by_role("button", name="Save visit")
    save.wait_for(state="visible")
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some("
        "b => b.textContent.includes('Save visit') && !b.disabled)",
        timeout=TIMEOUT_MS,
    )
    save.click()
    form.locator(".wb-msg-ok").first.wait_for(timeout=TIMEOUT_MS)
    shot(page, artifacts, "9-visit-saved")


def _correct_the_saved_visit(page, artifacts) -> None:
    form = visible(page)
    form.get_by_role("button", name="Correct or void\u2026").click()
    form.get_by_text("Correcting the visit of").wait_for(timeout=TIMEOUT_MS)
    first_rom = form.get_by_placeholder("not measured").first
    assert first_rom.input_value() == "104"
    first_rom.fill("112")
    text_box(form, "Reason").fill("Typed 104 by mistake; the goniometer read 112")
    form.get_by_role("button", name="Save correction").click()
    form.locator(".wb-msg-ok").first.wait_for(timeout=TIMEOUT_MS)
    shot(page, artifacts, "10-visit-corrected")
    show_tab(page, "4. Progress")
    progress = visible(page)
    progress.get_by_text("112\u00b0").first.wait_for(timeout=TIMEOUT_MS)


def _export_and_share(page, artifacts) -> None:
    progress = visible(page)
    name, data = download(page, lambda: progress.get_by_role("button", name="Chart PNG").click())
    assert re.fullmatch(rf"NN-progress-chart-{TODAY}\.png", name), name
    assert data.startswith(b"\x89PNG")
    shot(page, artifacts, "11-progress-exported")
    share = progress.get_by_role("button", name="Share (de-identified)")
    name, data = download(page, share.click)
    assert name.endswith(".zip") and "NN" not in name and "Nora" not in name, name
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        read = [images_apart(bundle.read(n)) for n in bundle.namelist() if not n.endswith(".png")]
    texts = b"".join(text for text, _ in read)  # base64 images spell short names by chance
    assert b"(image)" in texts  # the chart is in the page and the notebook
    assert b"Newcase" not in texts and b"Nora" not in texts
    shot(page, artifacts, "12-case-shared")


def test_a_whole_visit_in_the_app(app, laptop, artifacts):
    open_app(laptop, app)
    pick_patient(laptop, "Edna Example")
    laptop.locator(".wb-patient-card", has_text="Edna").wait_for(timeout=TIMEOUT_MS)
    _add_patient(laptop, artifacts)
    stretch = _swap_a_stretch(laptop, artifacts)
    _download_the_handout(laptop, artifacts, stretch)
    _log_a_visit_with_a_wrong_value(laptop, artifacts)
    _correct_the_saved_visit(laptop, artifacts)
    _export_and_share(laptop, artifacts)
    assert_no_error_on(laptop)


def test_nothing_typed_for_one_patient_shows_for_the_next(app, laptop, artifacts):
    """Per-patient reset in the browser: the unsaved-values question, then empty fields."""
    open_app(laptop, app)
    pick_patient(laptop, "Lena Dummy")
    laptop.locator(".wb-patient-card", has_text="Lena").wait_for(timeout=TIMEOUT_MS)
    show_tab(laptop, "2. Routine")
    note = laptop.locator(".wb-handout textarea").first
    note.fill("After your morning walk")
    note.press("Tab")  # the note is sent when the box is left
    show_tab(laptop, "3. Visit")
    form = visible(laptop)
    form.get_by_placeholder("not measured").first.fill("95")
    text_box(form, "Pain (0-10)").fill("4")
    laptop.wait_for_timeout(300)

    pick_patient(laptop, "Marcus Sample")
    question = laptop.locator(".wb-confirm")
    question.get_by_text("Discard today's unsaved values for Lena").wait_for(timeout=TIMEOUT_MS)
    shot(laptop, artifacts, "13-unsaved-question")
    question.get_by_role("button", name="Discard").click()
    laptop.locator(".wb-patient-card", has_text="Marcus").wait_for(timeout=TIMEOUT_MS)

    show_tab(laptop, "3. Visit")
    form = visible(laptop)
    form.get_by_text("Visit for Marcus").wait_for(timeout=TIMEOUT_MS)
    assert form.get_by_placeholder("not measured").first.input_value() == ""
    assert text_box(form, "Pain (0-10)").input_value() == ""
    show_tab(laptop, "2. Routine")
    laptop.locator(".wb-routine-card").first.wait_for(timeout=TIMEOUT_MS)
    assert laptop.locator(".wb-handout textarea").first.input_value() == ""
    shot(laptop, artifacts, "14-next-patient-starts-empty")
    assert_no_error_on(laptop)


def test_a_second_launch_prints_the_running_apps_address(app, laptop, artifacts):
    """A second ``workbook app`` on the same store starts nothing: it points at the real one."""
    second = subprocess.run(
        [sys.executable, "-m", "workbook", "app", "--no-browser", "--store", str(app.store_path)],
        env=app.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr[-2000:]
    addresses = re.findall(r"http://\S+", second.stdout)
    assert addresses == [app.url], second.stdout  # one address: the server already running
    open_app(laptop, app)  # the address answers with the app itself
    assert_no_error_on(laptop)
    shot(laptop, artifacts, "15-second-launch-same-app")
