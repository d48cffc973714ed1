"""Backups: consistent while in use, owner-only, rotated, restorable; PostgreSQL says pg_dump."""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from workbook.clinical.profile import PatientProfile
from workbook.errors import WorkbookError
from workbook.records.backup import auto_backup, restore_store
from workbook.records.store import Store, open_store

PROFILE = PatientProfile(age=70, activity="sedentary", floor_transfer=False, kneeling="unable")
TODAY = dt.date.today()


def test_a_backup_taken_while_a_therapist_writes_is_consistent_and_owner_only(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path / "clinic.sqlite")
    pid = store.add_patient("Ann Lee", 1950, PROFILE)
    stop = threading.Event()

    def write() -> None:
        with open_store(tmp_path / "clinic.sqlite") as writer:
            while not stop.is_set():
                writer.log_visit(pid, TODAY, {("hip_flexion", "left"): 90}, pain=2)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        copies = [store.backup(tmp_path / f"copy{n}.sqlite") for n in range(5)]
    finally:
        stop.set()
        thread.join()
        store.close()
    for copy in copies:
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        visits, versions, readings = (
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("visits", "visit_versions", "measurements")
        )
        conn.close()
        assert visits == versions == readings  # no visit caught half-written
    assert not list(tmp_path.glob(".*partial"))


def test_a_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    (tmp_path / "copy.sqlite").write_text("keep me")
    with (
        open_store(tmp_path / "clinic.sqlite") as store,
        pytest.raises(WorkbookError, match="exists"),
    ):
        store.backup(tmp_path / "copy.sqlite")
    assert (tmp_path / "copy.sqlite").read_text() == "keep me"


def test_a_postgresql_store_explains_pg_dump(store: Store, tmp_path: Path) -> None:
    if store.engine.dialect.name == "sqlite":
        assert store.backup(tmp_path).is_file()
        return
    with pytest.raises(WorkbookError, match="pg_dump"):
        store.backup(tmp_path)


def test_automatic_backups_keep_the_newest_seven_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    open_store(path).close()
    made = [auto_backup(str(path), folder=tmp_path / "backups") for _ in range(9)]
    kept = sorted((tmp_path / "backups").glob("*.sqlite"))
    assert kept == sorted(m for m in made[-7:] if m is not None)
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in kept} == {0o600}


def test_restore_puts_the_backup_back_and_keeps_the_current_store_aside(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_store(path) as store:
        store.add_patient("Ann Lee", 1950, PROFILE)
        backup = store.backup(tmp_path / "monday.sqlite")
        store.add_patient("Bo Chen", 1960, PROFILE)
    aside = restore_store(backup, path)
    with open_store(path) as restored:
        assert list(restored.patients()["name"]) == ["Ann Lee"]
    assert aside is not None
    with open_store(aside) as before:
        assert sorted(before.patients()["name"]) == ["Ann Lee", "Bo Chen"]


def test_restore_refuses_a_damaged_backup_and_moves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    open_store(path).close()
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"")
    before = path.read_bytes()
    with pytest.raises(WorkbookError, match="empty"):
        restore_store(bad, path)
    assert path.read_bytes() == before
