"""The ``workbook`` command: ``python -m workbook demo PATH | lab [jupyter args] | where``.

- ``demo PATH`` writes a demo store of fictional patients (an existing demo store is rebuilt; a
  clinic's store is never overwritten).
- ``lab`` opens the notebooks in JupyterLab on a store: ``$WORKBOOK_DB`` if set, else the
  clinic store if it exists, else the demo store (created on first use). It says which. The
  notebooks open as fresh copies in the per-user data folder, so outputs showing patients are
  never saved inside the repository.
- ``where`` prints where the store, the demo store, the data tables and the notebooks are.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from .clinical.paths import data_dir, shipped_folder
from .errors import WorkbookError

__all__ = ["main"]

NOTEBOOKS_DIR = shipped_folder("notebooks")


def lab_store() -> tuple[str, str]:
    """The store ``lab`` opens and why: ``(location, reason)``; makes the demo store if needed."""
    from .records.paths import default_store_path, demo_store_path

    if os.environ.get("WORKBOOK_DB"):
        return os.environ["WORKBOOK_DB"], "from $WORKBOOK_DB"
    if default_store_path().exists():
        return str(default_store_path()), "the clinic store"
    demo = demo_store_path()
    if not demo.exists():
        from .records.demo import make_demo_store

        make_demo_store(demo).close()
        return str(demo), "no clinic store yet: a new demo store"
    return str(demo), "no clinic store yet: the demo store"


def prepare_workspace() -> Path:
    """Copy the notebooks to the per-user data folder and return that folder.

    JupyterLab autosaves outputs and widget state, which show patients. Opening copies outside
    the repository keeps that on the clinic's machine, never in a git working copy. The copies
    are refreshed at every launch (the notebooks hold no work of their own: visits live in the
    store); other files a therapist keeps in the folder are left alone.
    """
    from .records.paths import notebook_workspace

    workspace = notebook_workspace()
    workspace.mkdir(parents=True, exist_ok=True)
    for notebook in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        shutil.copyfile(notebook, workspace / notebook.name)
    return workspace


def _describe(location: str) -> str:
    from .records.store import open_store

    with open_store(location) as store:
        n = len(store.patients())
        kind = "DEMO store of fictional patients" if store.is_demo else "clinic store"
        return f"{kind}, {n} patient{'s' if n != 1 else ''}"


def _lab(extra: Sequence[str]) -> int:
    if importlib.util.find_spec("jupyterlab") is None:
        print(
            "workbook: JupyterLab is not installed; run: pip install -e '.[lab]'", file=sys.stderr
        )
        return 1
    location, reason = lab_store()
    print(f"Opening {location} ({reason}; {_describe(location)})", flush=True)
    os.environ["WORKBOOK_DB"] = location  # the kernels inherit it: every notebook opens this
    extra = list(extra)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        # Clinic PCs run as a user, but containers and fresh machines often run as root, where
        # JupyterLab refuses to start without this flag.
        extra.append("--allow-root")
    workspace = prepare_workspace()
    print(f"Notebooks: {workspace} (fresh copies of {NOTEBOOKS_DIR})", flush=True)
    command = [sys.executable, "-m", "jupyterlab", str(workspace), *extra]
    os.execv(sys.executable, command)  # replaces this process; returns only in tests
    return 0


def _demo(path: str) -> int:
    from .records.demo import make_demo_store

    with make_demo_store(path) as store:
        n = len(store.patients())
        print(f"Demo store of {n} fictional patients written to {store.location}")
    return 0


def _where() -> int:
    from .records.paths import default_store_path, demo_store_path

    env = os.environ.get("WORKBOOK_DB")
    clinic = default_store_path()

    def state(path: Path) -> str:
        return "exists" if path.exists() else "not created yet"

    lines = []
    if env:
        lines.append(f"store (from $WORKBOOK_DB): {env}")
    lines += [
        f"clinic store:   {clinic} ({state(clinic)})",
        f"demo store:     {demo_store_path()} ({state(demo_store_path())})",
        f"data tables:    {data_dir()}",
        f"notebooks:      {NOTEBOOKS_DIR}",
    ]
    if os.environ.get("WORKBOOK_EXPORTS"):
        lines.append(f"exports:        {os.environ['WORKBOOK_EXPORTS']}")
    print("\n".join(lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbook",
        description="Hip Mobility Workbook: stretch routines, visit logs and progress.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="write a demo store of fictional patients")
    demo.add_argument("path", help="the store file to create (an existing demo store is rebuilt)")
    commands.add_parser(
        "lab", help="open the notebooks in JupyterLab (extra arguments go to jupyter lab)"
    )
    commands.add_parser("where", help="print where the stores and data tables are")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``workbook`` command; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognised arguments: {' '.join(extra)}")
    try:
        if args.command == "demo":
            return _demo(args.path)
        if args.command == "lab":
            return _lab(extra)
        return _where()
    except WorkbookError as exc:
        print(f"workbook: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
