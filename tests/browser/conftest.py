"""JupyterLab and the app (Voilà) on 127.0.0.1 and a headless Debian chromium, for the
end-to-end tests.

JupyterLab serves a temporary copy of ``notebooks/`` (the browser runs and autosaves the
notebook: outputs and widget state must never land in the repository's copy) against a
temporary demo store. Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright for Python;
Playwright cannot download its own browsers on this network.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import stop

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("WORKBOOK_CHROMIUM", "/usr/bin/chromium"))
# The flags this closed network needs (see the Jupyter notes): no sandbox as root, no GPU, and
# nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = REPO / "test-artifacts"
START_TIMEOUT_S = 90
LAPTOP = {"width": 1366, "height": 768}


@dataclass
class Lab:
    """A running JupyterLab: its address, the folder it serves and the demo store it uses."""

    url: str
    root: Path
    store_path: Path
    log_path: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with {process.returncode}:\n{log_path.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"JupyterLab did not answer within {START_TIMEOUT_S} s:\n{log_path.read_text()[-3000:]}"
    )


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Iterator[Lab]:
    """JupyterLab serving a copy of the notebooks, with a fresh demo store."""
    from workbook.records.demo import make_demo_store

    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    shutil.copytree(REPO / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    store_path = base / "demo.sqlite"
    make_demo_store(store_path).close()
    for folder in ("config", "runtime", "workspaces", "settings", "exports"):
        (base / folder).mkdir()
    # No news or update pop-up over the screenshots (and no attempt to reach the internet).
    notification = base / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    env = {
        **os.environ,
        "WORKBOOK_DB": str(store_path),
        "WORKBOOK_EXPORTS": str(base / "exports"),
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "MPLBACKEND": "Agg",
    }
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = base / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        f"--LabApp.user_settings_dir={base / 'settings'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    try:
        _wait_until_up(url, process, log_path)
        yield Lab(url=url, root=root, store_path=store_path, log_path=log_path)
    finally:
        stop(process, timeout=20)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium through Playwright."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 2600})
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def artifacts() -> Path:
    """test-artifacts/ at the repository root (gitignored): screenshots a person can look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@dataclass
class App:
    """The app as a therapist starts it: its address (with the token), its store, its env."""

    url: str
    store_path: Path
    env: dict[str, str]


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[App]:
    """``python -m workbook app --no-browser --store ...`` on a copy of the demo store, in a
    temporary per-user folder: one server for every app test (each page load is its own
    kernel, so the tests do not see each other's screens; they do share the store)."""
    from workbook.records.demo import make_demo_store
    from workbook.ui import launch

    base = tmp_path_factory.mktemp("app")
    store_path = base / "demo.sqlite"
    make_demo_store(store_path).close()
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(base / "xdg"),
        "WORKBOOK_EXPORTS": str(base / "exports"),
        "MPLBACKEND": "Agg",
    }
    env.pop("WORKBOOK_DB", None)
    command = [sys.executable, "-m", "workbook", "app", "--no-browser", "--store", str(store_path)]
    log = (base / "app.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        url = ""
        deadline = time.monotonic() + START_TIMEOUT_S
        while not url and time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline() if process.stdout else ""
            if line.startswith("Open the workbook at: "):
                url = line.split(": ", 1)[1].strip()
        assert url, f"the app never printed its address:\n{(base / 'app.log').read_text()[-2000:]}"
        port = int(url.split(":")[2].split("/")[0])
        while time.monotonic() < deadline and not launch._answers(port):
            time.sleep(0.2)
        yield App(url=url, store_path=store_path, env=env)
    finally:
        stop(process)
        log.close()
        shutil.rmtree(base / "xdg", ignore_errors=True)


@pytest.fixture
def laptop(browser):
    """A clinic laptop's window (1366x768) that accepts downloads."""
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()
