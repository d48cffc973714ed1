"""The progress screen: table, chart image, exports as download links."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest

from workbook.ui.progress import ProgressScreen

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def clinic(store, older_stenosis):
    pid = store.add_patient("Ann Byrne", 1945, older_stenosis)
    store.log_visit(
        pid, "2025-01-06", {("hip_flexion", "left"): 90, ("hip_flexion", "right"): 95}, pain=7
    )
    store.log_visit(
        pid, "2025-02-03", {("hip_flexion", "left"): 104, ("hip_flexion", "right"): 97}, pain=4
    )
    empty = store.add_patient("Carl Dunne", 1990, older_stenosis)
    return store, pid, empty


def link_bytes(html: str) -> tuple[str, bytes]:
    match = re.search(r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', html)
    return match.group(1), base64.b64decode(match.group(2))


def test_the_progress_table_and_the_chart_are_shown_for_a_patient(clinic):
    store, pid, _ = clinic
    screen = ProgressScreen(store)
    screen.show_patient(pid)
    assert "Hip flexion" in screen._table.value
    assert "improved" in screen._table.value  # left: +14 degrees, beyond the MDC
    assert "within measurement error" in screen._table.value  # right: +2 degrees
    assert "+14\u00b0" in screen._table.value
    assert "Pain (0-10)" in screen._scores.value
    assert bytes(screen._chart.value).startswith(PNG)
    assert screen._chart.layout.display is None
    assert "2 visits on record" in screen._message.value


def test_a_patient_without_visits_gets_a_message_and_no_chart_or_exports(clinic):
    store, _, empty = clinic
    screen = ProgressScreen(store)
    screen.show_patient(empty)
    assert "No visit recorded yet" in screen._message.value
    assert screen._chart.layout.display == "none"
    assert all(b.disabled for b in screen._export_buttons.values())


@pytest.mark.parametrize(("fmt", "signature"), [("png", PNG), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_each_export_button_gives_a_download_link_carrying_the_file(clinic, fmt, signature):
    store, pid, _ = clinic
    screen = ProgressScreen(store)
    screen.show_patient(pid)
    screen._export_buttons[fmt].click()
    name, data = link_bytes(screen._links.value)
    assert name.endswith(f".{fmt}")
    assert data.startswith(signature)
    assert "Ann" not in name  # file names carry no patient name


def test_a_hidden_screen_draws_only_when_shown_and_never_shows_a_stale_chart(clinic):
    store, pid, _ = clinic
    screen = ProgressScreen(store, active=False)
    screen.show_patient(pid)
    assert bytes(screen._chart.value) == b""
    screen.active = True
    first = bytes(screen._chart.value)
    assert first.startswith(PNG)
    screen.active = False
    store.log_visit(pid, "2025-03-03", {("hip_flexion", "left"): 112})
    screen.refresh()
    assert screen._chart.layout.display == "none"  # the old chart is hidden, not left showing
    screen.active = True
    assert bytes(screen._chart.value).startswith(PNG) and bytes(screen._chart.value) != first
    assert "3 visits on record" in screen._message.value


def test_a_store_failure_is_shown_in_plain_words(clinic):
    store, _, _ = clinic
    screen = ProgressScreen(store)
    screen.show_patient("p_does_not_exist")
    assert "Patient id" in screen._message.value  # words, not the column name
    assert "wb-msg-error" in screen._message.value


def test_the_report_button_gives_the_progress_report_as_a_pdf_link(clinic):
    store, pid, _ = clinic
    screen = ProgressScreen(store)
    screen.show_patient(pid)
    screen._report_button.click()
    name, data = link_bytes(screen._links.value)
    assert name.endswith(".pdf") and data.startswith(b"%PDF")
    assert screen._export_message.value == ""


def test_the_share_button_gives_a_zip_without_the_patients_name_or_visit_dates(clinic):
    store, pid, _ = clinic
    screen = ProgressScreen(store)
    screen.show_patient(pid)
    screen._share_button.click()
    name, data = link_bytes(screen._links.value)
    assert name == "shared-case.zip" and data.startswith(b"PK")
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        contents = b"".join(bundle.read(n) for n in bundle.namelist())
        names = " ".join(bundle.namelist())
    for secret in ("Ann Byrne", "2025-01-06", pid):
        assert secret.encode() not in contents and secret not in names
    assert "check it before you send it" in screen._export_message.value


# issue 13 and 11: flags on top, the chart at its screen width, one click exports ---------------


def test_review_flags_are_shown_on_top_in_words_with_their_severity(store, older_stenosis):
    pid = store.add_patient("Eve Example", 1950, older_stenosis)
    for day, left in [("2025-01-06", 80), ("2025-02-03", 82)]:
        store.log_visit(pid, day, {("hip_flexion", "left"): left, ("hip_flexion", "right"): 110})
    screen = ProgressScreen(store)
    screen.show_patient(pid)
    assert screen.children[0] is screen._flags
    assert "Left-right difference" in screen._flags.value
    assert "wb-msg-warn" in screen._flags.value  # medium severity
    assert "asymmetry" not in screen._flags.value  # words, not the flag's id


def test_the_chart_is_drawn_at_the_width_it_is_shown_with_the_legend_on_top(clinic):
    from PIL import Image

    store, pid, _ = clinic
    screen = ProgressScreen(store)
    screen.show_patient(pid)
    png = Image.open(io.BytesIO(bytes(screen._chart.value)))
    assert png.size[0] == screen.model.width_px
    assert screen._chart.layout.width == f"{screen.model.width_px}px"
    figure = screen.model._renderer.figure
    legend = figure.legends[0]
    top_of_axes = max(ax.get_position().y1 for ax in figure.axes)
    assert legend.get_window_extent().y0 >= top_of_axes * figure.bbox.height - 1


def test_one_figure_serves_every_patient_and_only_the_current_chart_is_kept(store, older_stenosis):
    screen = ProgressScreen(store)
    figures = set()
    for n in range(3):
        pid = store.add_patient(f"P{n}", 1960, older_stenosis)
        store.log_visit(pid, "2025-01-06", {("hip_flexion", "left"): 90 + n})
        screen.show_patient(pid)
        figures.add(id(screen.model._renderer.figure))
        assert screen.model._png[0][0] == pid
    assert len(figures) == 1


def test_a_patient_picked_while_hidden_is_prepared_in_the_background(clinic):
    store, pid, _ = clinic
    screen = ProgressScreen(store, active=False)
    screen.show_patient(pid)
    assert screen._worker is not None
    screen._worker.join()
    assert screen.model.chart_cached and bytes(screen._chart.value) == b""
    rebuilds = screen.model._renderer.rebuilds
    screen.active = True  # the click: shown from what was prepared, nothing redrawn
    assert screen.model._renderer.rebuilds == rebuilds
    assert bytes(screen._chart.value).startswith(PNG)
    assert "2 visits on record" in screen._message.value


def test_exports_are_named_for_filing_and_start_downloading_at_once(clinic):
    import datetime as dt

    store, pid, _ = clinic
    screen = ProgressScreen(store)
    screen.show_patient(pid)
    screen._export_buttons["png"].click()
    name, _ = link_bytes(screen._links.value)
    assert name == f"AB-progress-chart-{dt.date.today().isoformat()}.png"
    script = screen._download.outputs[0]["data"]["application/javascript"]
    assert "a.click()" in script and name in script
    screen._report_button.click()
    assert link_bytes(screen._links.value)[0].startswith("AB-progress-report-")


def test_correct_asks_the_app_to_open_the_chosen_visit(clinic):
    store, pid, _ = clinic
    screen = ProgressScreen(store)
    asked = []
    screen.on_correct(asked.append)
    screen.show_patient(pid)
    latest = store.visits(pid)["visit_id"].iloc[-1]
    assert screen._visit_choice.value == latest
    screen._correct_button.click()
    assert asked == [latest]


def test_adherence_and_psfs_are_shown_beside_the_change(store, older_stenosis):
    pid = store.add_patient("Ann Byrne", 1945, older_stenosis)
    store.log_visit(
        pid, "2025-01-06", {}, pain=7, psfs={"Stairs": 2}, days_done=3, days_prescribed=7
    )
    store.log_visit(
        pid, "2025-02-03", {}, pain=4, psfs={"Stairs": 6}, days_done=6, days_prescribed=7
    )
    screen = ProgressScreen(store)
    screen.show_patient(pid)
    assert "done on 9 of 14 prescribed days (64 %)" in screen._adherence.value
    assert "Stairs" in screen._psfs.value and "improved" in screen._psfs.value
    assert "MDC 3 points" in screen._psfs.value
