"""The ``workbook`` command: lab, app, init, demo, where.

A therapist starts the workbook with one command; it must open the right store, say which, never
turn a typo into an empty store, and never start a second server over one already open.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import pytest

from workbook import __main__ as cli
from workbook.clinical.paths import shipped_folder
from workbook.clinical.profile import PatientProfile
from workbook.records import paths
from workbook.records.demo import make_demo_store
from workbook.records.store import open_store
from workbook.ui import launch

REPO_ROOT = Path(__file__).resolve().parents[1]
PROFILE = PatientProfile(age=60, activity="active", floor_transfer=True, kneeling="comfortable")


@pytest.fixture
def user_dir(tmp_path: Path, monkeypatch) -> Path:
    """The per-user folder, moved into the test's temporary folder."""
    monkeypatch.setattr(paths, "user_data_dir", lambda: tmp_path / "user")
    monkeypatch.delenv("WORKBOOK_DB", raising=False)
    return tmp_path / "user"


class FakeServer:
    """Stands in for the JupyterLab/Voilà process: records the command, exits at once."""

    calls: ClassVar[list[tuple[list[str], Path, dict[str, str]]]] = []

    def __init__(self, command, cwd, env) -> None:
        FakeServer.calls.append((list(command), Path(cwd), dict(env)))
        self.pid = os.getpid()

    def wait(self) -> int:
        return 0


@pytest.fixture
def fake_server(monkeypatch) -> list:
    FakeServer.calls = []
    monkeypatch.setattr(launch.subprocess, "Popen", FakeServer)
    return FakeServer.calls


def test_demo_writes_a_demo_store(tmp_path: Path, capsys) -> None:
    path = tmp_path / "d.sqlite"
    assert cli.main(["demo", str(path)]) == 0
    assert "fictional" in capsys.readouterr().out
    with open_store(path) as store:
        assert store.is_demo


def test_demo_refuses_a_clinic_store_with_a_message(tmp_path: Path, capsys) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_store(path) as store:
        store.add_patient("Real Patient", 1966, PROFILE)
    assert cli.main(["demo", str(path)]) == 2
    assert "never overwrites" in capsys.readouterr().err


def test_where_prints_the_store_in_use_and_the_locations(tmp_path, monkeypatch, capsys) -> None:
    store = tmp_path / "x.sqlite"
    make_demo_store(store).close()
    monkeypatch.setenv("WORKBOOK_DB", str(store))
    assert cli.main(["where"]) == 0
    out = capsys.readouterr().out
    assert f"store in use:   {store}" in out
    assert "data tables" in out and "demo store" in out and "exports" in out


def test_init_creates_a_clinic_store_and_leaves_an_existing_one_alone(tmp_path, capsys) -> None:
    path = tmp_path / "clinics" / "north.sqlite"
    assert cli.main(["init", str(path)]) == 0
    with open_store(path) as store:
        store.add_patient("Kept Patient", 1970, PROFILE)
    assert cli.main(["init", str(path)]) == 0
    assert "already a workbook store" in capsys.readouterr().out
    with open_store(path) as store:
        assert list(store.patients()["name"]) == ["Kept Patient"]


@pytest.mark.parametrize("content", [b"", b"shopping list\n"], ids=["empty", "text"])
def test_init_refuses_a_file_that_is_not_a_store(tmp_path, capsys, content) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(content)
    assert cli.main(["init", str(path)]) == 2
    assert "is no store" in capsys.readouterr().err
    assert path.read_bytes() == content


@pytest.mark.parametrize("command", ["lab", "app"])
def test_a_mistyped_store_path_is_refused_not_created(
    tmp_path, monkeypatch, capsys, user_dir, fake_server, command
) -> None:
    typo = tmp_path / "clinc.sqlite"
    monkeypatch.setenv("WORKBOOK_DB", str(typo))
    assert cli.main([command, "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert str(typo) in err and "python -m workbook init" in err
    assert not typo.exists() and fake_server == []
    assert cli.main([command, "--store", str(typo)]) == 2


def test_lab_opens_the_visit_notebook_on_the_chosen_store(
    tmp_path, monkeypatch, capsys, user_dir, fake_server
) -> None:
    store = tmp_path / "env-demo.sqlite"
    make_demo_store(store).close()
    monkeypatch.setattr(launch.os, "geteuid", lambda: 1000)  # an ordinary clinic user
    assert cli.main(["lab", "--no-browser", "--port=9999", "--store", str(store)]) == 0
    ((command, cwd, env),) = fake_server
    assert command[:4] == [sys.executable, "-m", "jupyterlab", "visit.ipynb"]
    assert "--ServerApp.ip=127.0.0.1" in command and "--ServerApp.port=9999" in command
    assert "--LabApp.news_url=None" in command and "--no-browser" in command
    assert "--allow-root" not in command
    assert env["WORKBOOK_DB"] == str(store)
    assert (cwd / "visit.ipynb").is_file() and user_dir in cwd.parents
    settings = Path(env["JUPYTERLAB_SETTINGS_DIR"])
    assert (
        '"fetchNews": "false"'
        in next(settings.rglob("notification.jupyterlab-settings")).read_text()
    )
    out = capsys.readouterr().out
    assert "DEMO" in out and "http://127.0.0.1:9999/lab/tree/visit.ipynb?token=" in out


def test_lab_as_root_adds_allow_root_once(tmp_path, monkeypatch, user_dir, fake_server) -> None:
    store = tmp_path / "env-demo.sqlite"
    make_demo_store(store).close()
    monkeypatch.setenv("WORKBOOK_DB", str(store))
    monkeypatch.setattr(launch.os, "geteuid", lambda: 0)
    assert cli.main(["lab"]) == 0
    assert cli.main(["lab", "--allow-root"]) == 0
    assert [command.count("--allow-root") for command, _, _ in fake_server] == [1, 1]


def test_app_serves_the_visit_notebook_with_voila(tmp_path, user_dir, fake_server) -> None:
    store = tmp_path / "demo.sqlite"
    make_demo_store(store).close()
    assert cli.main(["app", "--no-browser", "--port", "8123", "--store", str(store)]) == 0
    ((command, _, env),) = fake_server
    assert command[:4] == [sys.executable, "-m", "voila", "visit.ipynb"]
    assert "--Voila.ip=127.0.0.1" in command and "--port=8123" in command
    assert any(part.startswith("--token=") and len(part) > 20 for part in command)
    assert env["WORKBOOK_DB"] == str(store)


def test_lab_prefers_the_clinic_store_then_makes_a_demo(
    tmp_path, monkeypatch, capsys, user_dir, fake_server
) -> None:
    assert cli.main(["lab", "--no-browser"]) == 0
    assert fake_server[-1][2]["WORKBOOK_DB"] == str(user_dir / "demo-clinic.sqlite")
    assert "DEMO" in capsys.readouterr().out
    with open_store(user_dir / "clinic.sqlite") as clinic:
        clinic.add_patient("Real Patient", 1966, PROFILE)
    assert cli.main(["lab", "--no-browser"]) == 0
    assert fake_server[-1][2]["WORKBOOK_DB"] == str(user_dir / "clinic.sqlite")
    out = capsys.readouterr().out
    assert "clinic store" in out and "DEMO" not in out


def test_each_store_gets_fresh_notebook_copies_outside_the_repository(tmp_path, user_dir) -> None:
    first = launch.prepare_workspace(str(tmp_path / "a.sqlite"))
    second = launch.prepare_workspace(str(tmp_path / "b.sqlite"))
    assert first != second
    (first / "visit.ipynb").write_text('{"outputs from last week": "Edna Example"}')
    (first / "my-notes.txt").write_text("kept")
    assert launch.prepare_workspace(str(tmp_path / "a.sqlite")) == first
    for notebook in shipped_folder("notebooks").glob("*.ipynb"):
        assert (first / notebook.name).read_bytes() == notebook.read_bytes()
        assert (first / notebook.name).stat().st_mode & 0o077 == 0
    assert (first / "my-notes.txt").read_text() == "kept"
    assert REPO_ROOT not in first.parents


def test_other_commands_reject_extra_arguments() -> None:
    with pytest.raises(SystemExit):
        cli.main(["where", "--bogus"])


def test_help_shows_port_and_no_browser(capsys) -> None:
    for command in ("lab", "app"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        out = capsys.readouterr().out
        assert "--port" in out and "--no-browser" in out and "--store" in out


def test_a_second_launch_on_the_same_store_points_at_the_running_server(tmp_path) -> None:
    """Real Voilà: the first launch serves; the second prints the same address and returns."""
    store = tmp_path / "demo.sqlite"
    make_demo_store(store).close()
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "xdg"), WORKBOOK_DB=str(store))
    command = [sys.executable, "-m", "workbook", "app", "--no-browser"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        url = ""
        deadline = time.monotonic() + 60
        while not url and time.monotonic() < deadline:
            line = first.stdout.readline() if first.stdout else ""
            if line.startswith("Open the workbook at: "):
                url = line.split(": ", 1)[1].strip()
        assert url, "the first launch never printed its address"
        port = int(url.split(":")[2].split("/")[0])
        while time.monotonic() < deadline and not launch._answers(port):
            time.sleep(0.2)
        workspace = next((tmp_path / "xdg").rglob("app/visit.ipynb"))
        before = workspace.stat().st_mtime_ns
        second = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert second.returncode == 0, second.stderr
        assert f"Already open on this store: {url}" in second.stdout
        assert workspace.stat().st_mtime_ns == before, "the running app's notebook was rewritten"
    finally:
        first.terminate()
        first.wait(timeout=30)


def test_a_server_still_starting_counts_as_running_and_a_dead_one_does_not(tmp_path, user_dir):
    """Two quick launches: the second must not start a second server over the same notebooks."""
    location = str(tmp_path / "demo.sqlite")
    starting = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "voila"])
    cmdline = Path(f"/proc/{starting.pid}/cmdline")
    while b"voila" not in cmdline.read_bytes():  # until the child has exec'd
        time.sleep(0.05)
    try:
        record = launch._server_file(location, "app")
        server = launch.Server(
            kind="app", url="http://127.0.0.1:9/", port=9, pid=starting.pid, store=location
        )
        record.write_text(json.dumps(dataclasses.asdict(server)))
        assert launch.running_server(location, "app", wait_s=0.5) == server
    finally:
        starting.kill()
        starting.wait()
    assert launch.running_server(location, "app", wait_s=0.5) is None
    assert not record.exists(), "the record of a dead server is left behind"


# -- backup and restore (issue 10) -----------------------------------------------------------


def test_backup_and_restore_commands(tmp_path, monkeypatch, capsys, user_dir) -> None:
    store_path = tmp_path / "clinic.sqlite"
    with open_store(store_path) as clinic:
        clinic.add_patient("Ann Lee", 1966, PROFILE)
    monkeypatch.setenv("WORKBOOK_DB", str(store_path))
    assert cli.main(["backup"]) == 0
    (made,) = (user_dir / "backups").glob("*.sqlite")
    assert oct(made.stat().st_mode & 0o777) == "0o600"
    assert cli.main(["backup", str(tmp_path / "copy.sqlite")]) == 0
    with open_store(store_path) as clinic:
        clinic.add_patient("Bo Chen", 1970, PROFILE)
    assert cli.main(["restore", str(tmp_path / "copy.sqlite"), "--to", str(store_path)]) == 0
    with open_store(store_path) as clinic:
        assert list(clinic.patients()["name"]) == ["Ann Lee"]
    out = capsys.readouterr().out
    assert "Backup of" in out and "kept as" in out


def test_lab_makes_a_rotating_backup_before_serving(
    tmp_path, monkeypatch, capsys, user_dir, fake_server
) -> None:
    store = tmp_path / "clinic.sqlite"
    open_store(store).close()
    for _ in range(9):
        assert cli.main(["lab", "--no-browser", "--store", str(store)]) == 0
    assert len(list((user_dir / "backups").glob("clinic-*.sqlite"))) == 7
    assert "Backup: " in capsys.readouterr().out
