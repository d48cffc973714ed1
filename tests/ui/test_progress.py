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
