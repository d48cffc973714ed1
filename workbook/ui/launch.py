"""Serving the screens: JupyterLab (the notebook workbench) or Voilà (the app), one per store.

``python -m workbook lab`` and ``python -m workbook app`` come here. Each store gets its own
working copies of the notebooks (so a second store never overwrites what the first has open) and
at most one running server of each kind: a second launch on the same store finds the running one
and prints its address instead of starting another. The server is bound to 127.0.0.1 and guarded
by a fresh random token; the small file that records it is owner-only, like everything else in
the per-user folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from ..clinical.paths import shipped_folder
from ..records import paths

__all__ = [
    "LAB_SETTINGS",
    "Server",
    "ServerKind",
    "for_kind",
    "free_port",
    "prepare_workspace",
    "running_server",
    "serve",
    "server_command",
    "store_slug",
]

ServerKind = Literal["lab", "app"]
VISIT_NOTEBOOK = "visit.ipynb"
#: How long a second launch waits for a server that is still starting, in seconds.
STARTING_WAIT_S = 60.0

#: JupyterLab user settings written for the workbench: no news or update pop-ups over the visit.
#: (JupyterLab documentation, "Announcements": the notification plugin's fetchNews and
#: checkForUpdates settings.)
LAB_SETTINGS: dict[str, dict[str, object]] = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass(frozen=True)
class Server:
    """A running workbook server: what it serves, where, and which process it is."""

    kind: ServerKind
    url: str
    port: int
    pid: int
    store: str


def store_slug(location: str) -> str:
    """A short, stable folder name for a store: its file name and a hash of where it is."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(location.split("?")[0]).stem).strip("-")
    digest = hashlib.sha256(location.encode("utf-8")).hexdigest()[:10]
    return f"{stem[:40] or 'store'}-{digest}"


def _server_file(location: str, kind: ServerKind) -> Path:
    folder = paths.private_dir(paths.user_data_dir() / "servers")
    return folder / f"{kind}-{store_slug(location)}.json"


def _alive(pid: int, kind: ServerKind) -> bool:
    """Whether ``pid`` is still a workbook server of this kind (not a reused process number)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or someone else's process now
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():  # Linux: make sure the number was not reused by another program
        module = "jupyterlab" if kind == "lab" else "voila"
        return module.encode() in cmdline.read_bytes()
    return True


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def running_server(
    location: str, kind: ServerKind, *, wait_s: float = STARTING_WAIT_S
) -> Server | None:
    """The server of this kind already serving this store, if its process is alive.

    A server still starting (alive, not answering yet) counts: it gets ``wait_s`` seconds to
    answer, so two quick launches never start two servers over the same notebooks.
    """
    record = _server_file(location, kind)
    try:
        server = Server(**json.loads(record.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if not _alive(server.pid, kind):
        record.unlink(missing_ok=True)  # left behind by a server that was killed
        return None
    deadline = time.monotonic() + wait_s
    while not _answers(server.port) and time.monotonic() < deadline:
        time.sleep(0.2)
    return server


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_workspace(location: str, kind: ServerKind = "lab") -> Path:
    """Fresh copies of the notebooks for this store, outside the repository; returns the folder.

    JupyterLab autosaves outputs and widget state, which show patients: working copies in the
    per-user folder keep that on the clinic's machine, never in a git working copy or the
    installed package. One folder per store and kind, so no running server has its notebooks
    overwritten by a launch on another store. Other files a therapist keeps there are left alone.
    The app's copies leave out the cells tagged ``lab-only`` (:func:`for_kind`): words about
    JupyterLab's menus mean nothing in the app, where a refresh simply reloads it.
    """
    workspace = paths.private_dir(paths.notebook_workspace() / store_slug(location) / kind)
    for notebook in sorted(shipped_folder("notebooks").glob("*.ipynb")):
        target = workspace / notebook.name
        target.write_text(for_kind(notebook.read_text(encoding="utf-8"), kind), encoding="utf-8")
        target.chmod(paths.file_mode())
    return workspace


def for_kind(notebook_json: str, kind: ServerKind) -> str:
    """The notebook as the server of ``kind`` serves it: the app drops cells tagged ``lab-only``.

    Examples
    --------
    >>> cells = [{"cell_type": "markdown", "metadata": {"tags": ["lab-only"]}, "source": "Kernel"},
    ...          {"cell_type": "markdown", "metadata": {}, "source": "Pick"}]
    >>> text = json.dumps({"cells": cells})
    >>> [c["source"] for c in json.loads(for_kind(text, "app"))["cells"]]
    ['Pick']
    >>> for_kind(text, "lab") == text
    True
    """
    if kind != "app":
        return notebook_json
    notebook = json.loads(notebook_json)
    notebook["cells"] = [
        cell
        for cell in notebook.get("cells", [])
        if "lab-only" not in cell.get("metadata", {}).get("tags", [])
    ]
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _lab_settings_dir() -> Path:
    settings = paths.private_dir(paths.user_data_dir() / "lab" / "settings")
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2), encoding="utf-8")
    return settings


def server_command(
    kind: ServerKind, *, port: int, token: str, open_browser: bool, extra: Sequence[str] = ()
) -> list[str]:
    """The command line that serves the visit notebook (run with the workspace as its folder)."""
    common = ["--no-browser"] if not open_browser else []
    if kind == "app":
        return [
            sys.executable, "-m", "voila", VISIT_NOTEBOOK,
            f"--port={port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
            f"--token={token}", "--show_tracebacks=False", *common, *extra,
        ]  # fmt: skip
    command = [
        sys.executable, "-m", "jupyterlab", VISIT_NOTEBOOK,
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *common, *extra,
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in command:
        # Clinic PCs run as a user; containers and fresh machines often run as root, where
        # JupyterLab refuses to start without this flag.
        command.append("--allow-root")
    return command


def _url(kind: ServerKind, port: int, token: str) -> str:
    path = f"lab/tree/{VISIT_NOTEBOOK}" if kind == "lab" else ""
    return f"http://127.0.0.1:{port}/{path}?token={token}"


def serve(
    location: str,
    kind: ServerKind,
    *,
    port: int | None = None,
    open_browser: bool = True,
    extra: Sequence[str] = (),
) -> int:
    """Serve the visit notebook on a store, or point at the server already doing so.

    Returns the server's exit status (0 when an existing server was found). Prints one address.
    """
    existing = running_server(location, kind)
    if existing is not None:
        print(f"Already open on this store: {existing.url}", flush=True)
        if open_browser:
            import webbrowser

            webbrowser.open(existing.url)
        return 0
    port = port or free_port()
    token = secrets.token_urlsafe(24)
    workspace = prepare_workspace(location, kind)
    env = dict(os.environ, WORKBOOK_DB=location)
    if kind == "lab":
        env["JUPYTERLAB_SETTINGS_DIR"] = str(_lab_settings_dir())
        workspaces = paths.private_dir(paths.user_data_dir() / "lab" / "workspaces")
        env["JUPYTERLAB_WORKSPACES_DIR"] = str(workspaces)
    command = server_command(kind, port=port, token=token, open_browser=open_browser, extra=extra)
    process = subprocess.Popen(command, cwd=workspace, env=env)
    server = Server(kind=kind, url=_url(kind, port, token), port=port, pid=process.pid,
                    store=location)  # fmt: skip
    record = _server_file(location, kind)
    descriptor = os.open(record, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(asdict(server), handle)
    print(f"Open the workbook at: {server.url}", flush=True)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()
    finally:
        record.unlink(missing_ok=True)
