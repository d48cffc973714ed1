"""A real JupyterHub (deploy/jupyterhub_config.py) with configurable-http-proxy on 127.0.0.1.

The hub's state lives in a temporary folder, its clinic store is a fresh database on the test
session's PostgreSQL cluster, and the authenticator is the practice's own NativeAuthenticator.
Every therapist's server is a SimpleLocalProcessSpawner process (all under the test's user).
At the end the hub is stopped, and the proxy and any server still alive are stopped by PID.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.postgres import PostgresServer, free_port
from tests.processes import stop

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "deploy" / "jupyterhub_config.py"
LOCAL_PROXY = REPO / ".venv" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
START_TIMEOUT_S = 60


def proxy_command() -> str:
    """configurable-http-proxy: the project's own npm copy (``make test``) or one on PATH."""
    found = os.environ.get("WORKBOOK_HUB_PROXY") or (
        str(LOCAL_PROXY) if LOCAL_PROXY.exists() else shutil.which("configurable-http-proxy")
    )
    if not found:
        raise RuntimeError(
            "configurable-http-proxy is missing: `make test` installs it with npm into .venv/node"
        )
    return found


@dataclass
class Hub:
    """A running hub: its public URL, its clinic store's URL, and its log."""

    url: str
    store_url: str
    state: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def _wait_until_up(hub: Hub, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterHub exited with {process.returncode}:\n{hub.log()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{hub.url}/hub/api/", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"JupyterHub did not answer within {START_TIMEOUT_S} s:\n{hub.log()}")


def _stop_by_pid_file(path: Path) -> None:
    """Stop a process whose PID is in ``path`` (the proxy), if it is still running."""
    if not path.exists():
        return
    text = path.read_text().strip()
    if not re.fullmatch(r"\d+", text):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(int(text), signal.SIGTERM)


@pytest.fixture(scope="session")
def hub(postgres_server: PostgresServer, tmp_path_factory) -> Iterator[Hub]:
    """The practice's hub, with an admin named ``admin``, on a fresh PostgreSQL clinic store."""
    state = tmp_path_factory.mktemp("hub")
    store_url = postgres_server.new_database("workbook_hub")
    port = free_port()
    env = {
        **os.environ,
        "WORKBOOK_DB": store_url,
        "WORKBOOK_HUB_STATE": str(state),
        "WORKBOOK_HUB_ADMINS": "admin",
        "WORKBOOK_HUB_PORT": str(port),
        "WORKBOOK_HUB_API_PORT": str(free_port()),
        "WORKBOOK_HUB_PROXY_API_PORT": str(free_port()),
        "WORKBOOK_HUB_PROXY": proxy_command(),
        "WORKBOOK_HUB_SPAWNER": "simple",
        "WORKBOOK_HUB_AUTH": "native",
    }
    hub = Hub(f"http://127.0.0.1:{port}", store_url, state, state / "jupyterhub.log")
    with hub.log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
            env=env,
            cwd=state,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(hub, process)
        yield hub
    finally:
        # SIGTERM: the hub stops the therapists' servers and the proxy it started ...
        stop(process)
        # ... and whatever it could not stop is stopped by the PID it wrote down.
        _stop_by_pid_file(state / "proxy.pid")
