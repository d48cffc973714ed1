"""A bundle from outside is read within limits: no zip bomb, no path tricks, no links."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from workbook.errors import WorkbookError
from workbook.records import bundles
from workbook.records.bundles import read_bundle

WANTED = ("case.json", "visits.csv")


def make_zip(path: Path, members: dict[str, bytes], *, mode: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return path


def test_reads_the_wanted_members_of_a_good_zip_and_ignores_others(tmp_path):
    bundle = make_zip(
        tmp_path / "c.zip",
        {"case/case.json": b"{}", "case/visits.csv": b"a\n1\n", "case/extra.txt": b"x"},
    )
    assert read_bundle(bundle, WANTED, prefix="case/") == {
        "case.json": b"{}",
        "visits.csv": b"a\n1\n",
    }


def test_a_zip_bomb_is_refused_while_streaming_not_after(tmp_path, monkeypatch):
    monkeypatch.setattr(bundles, "MAX_MEMBER_BYTES", 1_000_000)
    bundle = make_zip(tmp_path / "bomb.zip", {"case/visits.csv": b"0" * 20_000_000})
    assert bundle.stat().st_size < 100_000  # small on disk, huge unpacked
    with pytest.raises(WorkbookError, match="at most 1,000,000 bytes"):
        read_bundle(bundle, WANTED, prefix="case/")


def test_the_stream_cap_stops_reading_whatever_the_header_declared(monkeypatch):
    """Defence in depth: the bytes are counted as they come, not taken from the header."""
    monkeypatch.setattr(bundles, "MAX_MEMBER_BYTES", 100_000)
    endless = io.BytesIO(b"0" * 500_000)
    with pytest.raises(WorkbookError, match="at most 100,000 bytes"):
        bundles._read_capped(endless, "visits.csv", budget=10**9)
    assert endless.tell() <= 100_000 + bundles._CHUNK


def test_the_total_size_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(bundles, "MAX_TOTAL_BYTES", 150_000)
    bundle = make_zip(
        tmp_path / "big.zip",
        {"case/case.json": b"1" * 100_000, "case/visits.csv": b"2" * 100_000},
    )
    with pytest.raises(WorkbookError, match="bundle member size"):
        read_bundle(bundle, WANTED, prefix="case/")


def test_too_many_members_are_refused(tmp_path):
    members = {f"case/f{i}.txt": b"" for i in range(bundles.MAX_MEMBERS + 1)}
    with pytest.raises(WorkbookError, match=f"at most {bundles.MAX_MEMBERS} members"):
        read_bundle(make_zip(tmp_path / "many.zip", members), WANTED, prefix="case/")


@pytest.mark.parametrize("name", ["/etc/case.json", "case/../../case.json", "C:/case.json"])
def test_absolute_and_parent_paths_are_refused(tmp_path, name):
    bundle = make_zip(tmp_path / "evil.zip", {name: b"{}"})
    with pytest.raises(WorkbookError, match="inside the bundle"):
        read_bundle(bundle, WANTED, prefix="case/")


def test_duplicate_member_names_are_refused(tmp_path):
    bundle = tmp_path / "dup.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("case/case.json", b"{}")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("case/case.json", b'{"other": 1}')
    with pytest.raises(WorkbookError, match="repeated"):
        read_bundle(bundle, WANTED, prefix="case/")


def test_a_symlink_member_in_a_zip_is_refused(tmp_path):
    bundle = make_zip(
        tmp_path / "link.zip", {"case/case.json": b"/etc/passwd"}, mode=stat.S_IFLNK | 0o777
    )
    with pytest.raises(WorkbookError, match="no link or device"):
        read_bundle(bundle, WANTED, prefix="case/")


def test_a_folder_bundle_never_follows_a_link_out_of_the_folder(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("name\nsomeone else's patient\n")
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "case.json").write_text("{}")
    (folder / "visits.csv").symlink_to(secret)
    with pytest.raises(WorkbookError, match="no link or device"):
        read_bundle(folder, WANTED)
    link = tmp_path / "linked-folder"
    link.symlink_to(folder)
    with pytest.raises(WorkbookError, match="not a link"):
        read_bundle(link, WANTED)


def test_something_that_is_no_bundle_is_refused_with_what_is_allowed(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(WorkbookError, match=r"a \.zip file or a folder"):
        read_bundle(text, WANTED)
    broken = tmp_path / "broken.zip"
    good = make_zip(tmp_path / "good.zip", {"case/visits.csv": b"a\n" * 1000})
    data = bytearray(good.read_bytes())
    data[60:80] = b"\xff" * 20  # damage the compressed stream
    broken.write_bytes(bytes(data))
    with pytest.raises(WorkbookError):
        read_bundle(broken, WANTED, prefix="case/")
