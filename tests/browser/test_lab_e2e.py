"""The visit notebook in a real browser: run all, pick a demo patient, save a visit, see the chart.

Marked ``browser``: it starts JupyterLab and a headless chromium (about 20 s). Screenshots go to
``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import re

import pytest

from workbook.records.store import open_store

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000


def run_all(page, lab, notebook: str) -> None:
    page.goto(f"{lab.url}/lab/tree/{notebook}?reset", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => { const bar = document.querySelector('#jp-main-statusbar');"
        " return bar && /Idle/.test(bar.textContent); }",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=TIMEOUT_MS)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


def test_a_visit_is_saved_and_its_chart_appears(lab, page, artifacts):
    with open_store(lab.store_path) as store:
        patients = store.patients()
    patient = patients.sort_values("n_visits").iloc[-1]
    visits_before = int(patient["n_visits"])

    run_all(page, lab, "visit.ipynb")
    patient_list = page.locator(".widget-select select").first
    patient_list.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert page.get_by_text("every patient here is fictional").is_visible()

    # 1. Patient: pick the demo patient with the longest history
    label = next(
        text
        for text in patient_list.locator("option").all_inner_texts()
        if patient["patient_id"] in text
    )
    patient_list.select_option(label=label)
    page.locator(".wb-patient-card", has_text=str(patient["name"])).wait_for(timeout=TIMEOUT_MS)
    screen = page.locator(".widget-tab").first
    screen.screenshot(path=str(artifacts / "1-patient.png"))

    # 2. Routine: one card a movement, cautions marked, the reasoning one click away
    page.locator(".lm-TabBar-tab", has_text="2. Routine").click()
    page.locator(".wb-card-details").nth(3).wait_for(timeout=TIMEOUT_MS)
    page.locator(".wb-has-cautions").first.wait_for(timeout=TIMEOUT_MS)
    screen.screenshot(path=str(artifacts / "2-routine.png"))

    # 3. Visit: a wrong value is flagged as typed, then corrected, then saved
    page.locator(".lm-TabBar-tab", has_text="3. Visit").click()
    fields = page.get_by_placeholder("not measured")
    fields.nth(0).fill("250")
    page.get_by_text(re.compile(r"is not allowed; a number of degrees from 0 to 150")).wait_for(
        timeout=TIMEOUT_MS
    )
    save = page.get_by_role("button", name="Save visit")
    assert save.is_disabled()
    fields.nth(0).fill("112")
    fields.nth(1).fill("108")
    page.get_by_placeholder("not asked").fill("3")
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')]"
        ".some(b => b.textContent.includes('Save visit') && !b.disabled)",
        timeout=TIMEOUT_MS,
    )
    save.click()
    page.locator(".wb-msg-ok", has_text="saved for").wait_for(timeout=TIMEOUT_MS)
    screen.screenshot(path=str(artifacts / "3-visit-saved.png"))

    # 4. Progress: the chart appears, drawn with the new visit
    page.locator(".lm-TabBar-tab", has_text="4. Progress").click()
    page.get_by_text(f"{visits_before + 1} visits on record").wait_for(timeout=TIMEOUT_MS)
    chart = page.locator(".widget-image").first
    chart.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => { const img = document.querySelector('.widget-image');"
        " return img && img.complete && img.naturalWidth > 300; }",
        timeout=TIMEOUT_MS,
    )
    screen.screenshot(path=str(artifacts / "4-progress.png"))

    assert page.get_by_text("Traceback").count() == 0
    with open_store(lab.store_path) as store:
        visits = store.visits(patient["patient_id"])
    assert len(visits) == visits_before + 1
    assert visits.iloc[-1]["pain_nprs"] == 3
