"""files.py: documents appear whole or not at all, owner-only, with metadata that names nothing.

Permission bits are POSIX ones, as on every system the workbook is run and tested on.
"""

from __future__ import annotations

import errno
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
    disk_errors,
    move_no_replace,
    neutral_metadata,
    private_folder,
    private_workspace,
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


# -- never replacing: exclusive writes and no-replace moves --------------------------------


def test_exclusive_write_refuses_a_file_that_appeared_and_leaves_no_temporary(tmp_path: Path):
    target = tmp_path / "report.pdf"
    with (
        pytest.raises(WorkbookError, match="nothing was overwritten"),
        atomic_path(target, exclusive=True) as temporary,
    ):
        temporary.write_bytes(b"%PDF new")
        target.write_bytes(b"someone else's")  # appears after the check, before the move
    assert target.read_bytes() == b"someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_exclusive_write_never_follows_a_dangling_link_at_the_target(tmp_path: Path):
    target = tmp_path / "bundle.zip"
    target.symlink_to(tmp_path / "elsewhere.zip")
    with pytest.raises(WorkbookError, match="nothing was overwritten"):
        write_bytes(target, b"PK", exclusive=True)
    assert target.is_symlink() and not (tmp_path / "elsewhere.zip").exists()


def test_move_no_replace_refuses_an_empty_folder_that_rename_would_replace(tmp_path: Path):
    source = private_folder(tmp_path / ".work")
    (source / "a.txt").write_text("a")
    (tmp_path / "case").mkdir()
    with pytest.raises(WorkbookError, match="nothing was overwritten"):
        move_no_replace(source, tmp_path / "case")
    assert list((tmp_path / "case").iterdir()) == [] and (source / "a.txt").exists()
    assert move_no_replace(source, tmp_path / "other") == tmp_path / "other"


def test_private_workspace_removes_everything_when_the_block_fails(tmp_path: Path):
    with pytest.raises(RuntimeError), private_workspace(tmp_path / "case") as work:
        write_text(work / "a.txt", "half")
        raise RuntimeError("drawing failed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "a folder you may write to")],
)
def test_disk_errors_become_plain_words(tmp_path: Path, code: int, words: str):
    with pytest.raises(WorkbookError, match=words), disk_errors(tmp_path / "x.pdf"):
        raise OSError(code, os.strerror(code))
