"""files.py: documents appear whole or not at all, owner-only, with metadata that names nothing.

Permission bits are POSIX ones, as on every system the workbook is run and tested on.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.figure import Figure

from workbook.documents.charts import export_chart
from workbook.documents.files import (
    FILE_MODE,
    NEUTRAL_CREATOR,
    atomic_path,
    check_target,
    neutral_metadata,
    private_folder,
    write_bytes,
    write_text,
)
from workbook.errors import WorkbookError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_failed_write_leaves_no_partial_file_and_the_old_file_intact(tmp_path: Path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"the old report")
    with pytest.raises(RuntimeError, match="drawing failed"), atomic_path(target) as temporary:
        temporary.write_bytes(b"half a new rep")
        raise RuntimeError("drawing failed")
    assert target.read_bytes() == b"the old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_an_interrupt_also_removes_the_temporary_file(tmp_path: Path):
    with pytest.raises(KeyboardInterrupt), atomic_path(tmp_path / "h.html") as temporary:
        temporary.write_text("<p>half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_file_sits_beside_the_target_hidden_until_renamed(tmp_path: Path):
    target = tmp_path / "chart.svg"
    with atomic_path(target) as temporary:
        assert temporary.parent == tmp_path
        assert temporary.name.startswith(".") and temporary.suffix == ".svg"
        assert not target.exists()
        temporary.write_text("<svg/>")
    assert target.read_text() == "<svg/>" and not temporary.exists()


@pytest.mark.parametrize("writer", [write_text, write_bytes])
def test_written_files_are_owner_only_whatever_the_umask(tmp_path: Path, writer):
    old = os.umask(0o000)  # the loosest umask: the file must still come out 0600
    try:
        path = writer(tmp_path / "sheet.txt", "x" if writer is write_text else b"x")
    finally:
        os.umask(old)
    assert mode(path) == FILE_MODE == 0o600


def test_a_replaced_file_loses_its_wider_permissions(tmp_path: Path):
    target = tmp_path / "handout.html"
    target.write_text("old")
    target.chmod(0o644)
    write_text(target, "new")
    assert mode(target) == 0o600 and target.read_text() == "new"


def test_chart_exports_are_owner_only(tmp_path: Path):
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [1, 0])
    for suffix in (".png", ".svg", ".pdf"):
        assert mode(export_chart(fig, tmp_path / f"c{suffix}")) == 0o600


def test_a_private_folder_is_owner_only_and_refuses_an_existing_one(tmp_path: Path):
    folder = private_folder(tmp_path / "case")
    assert mode(folder) == 0o700
    with pytest.raises(FileExistsError):
        private_folder(folder)


def test_check_target_refuses_a_wrong_suffix_naming_the_allowed_ones(tmp_path: Path):
    with pytest.raises(WorkbookError, match=r"'\.html', '\.pdf'"):
        check_target(tmp_path / "h.docx", (".html", ".pdf"))
    assert check_target(tmp_path / "H.PDF", (".html", ".pdf")) == tmp_path / "H.PDF"


def test_check_target_refuses_a_missing_folder_and_an_existing_path_when_asked(tmp_path: Path):
    with pytest.raises(WorkbookError, match="existing folder"):
        check_target(tmp_path / "nowhere" / "c.png", (".png",))
    (tmp_path / "case").mkdir()
    assert check_target(tmp_path / "case", ()) == tmp_path / "case"
    with pytest.raises(WorkbookError, match="does not exist yet") as caught:
        check_target(tmp_path / "case", (), field="dest", new=True)
    assert caught.value.field == "dest"


def test_neutral_metadata_names_the_workbook_and_removes_dates_and_software():
    assert neutral_metadata("png") == {"Software": None}
    assert neutral_metadata("svg") == {"Creator": NEUTRAL_CREATOR, "Date": None}
    pdf = neutral_metadata("pdf", {"Title": "Your home stretches"})
    assert pdf == {
        "Creator": NEUTRAL_CREATOR,
        "Producer": NEUTRAL_CREATOR,
        "CreationDate": None,
        "Title": "Your home stretches",
    }


def test_neutral_metadata_is_a_fresh_copy_each_time():
    first = neutral_metadata("pdf")
    first["Author"] = "someone"
    assert "Author" not in neutral_metadata("pdf")


def test_neutral_metadata_refuses_an_unknown_format_or_a_non_mapping():
    with pytest.raises(WorkbookError, match="format"):
        neutral_metadata("jpg")
    with pytest.raises(WorkbookError, match="metadata"):
        neutral_metadata("png", ["Title"])


def test_the_mode_asked_for_is_the_mode_written(tmp_path: Path):
    assert mode(write_text(tmp_path / "shared.txt", "x", mode=0o640)) == 0o640
