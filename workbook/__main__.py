"""The ``workbook`` command. ``python -m workbook --help`` lists the commands:

- ``lab``: open the visit notebook in JupyterLab (the notebook workbench);
- ``app``: serve the same screens as an app with Voilà (no code, a refresh reloads the app);
- ``init PATH``: create a clinic store (refuses a file that is not one);
- ``demo PATH``: write a demo store of fictional patients (never over a clinic's store);
- ``where``: print which store is in use and where the tables, notebooks and exports are;
- ``backup [DEST]``: a consistent copy of the store in use (owner-only), by default into the
  user data folder's ``backups/``; a PostgreSQL store is backed up with ``pg_dump`` instead;
- ``restore BACKUP [--to PATH]``: put a backup in place of the store (the current one is moved
  aside, never deleted).

``lab`` and ``app`` first make an automatic backup of an SQLite store into ``backups/`` (the
newest seven of each store are kept).

``lab`` and ``app`` open, in this order: ``--store``, ``$WORKBOOK_DB``, the clinic store when it
exists, else the demo store (created on first use). They say which, refuse a store path that does
not exist (a mistyped path must not become an empty store), and find a server already running on
the same store instead of starting a second one.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import WorkbookError

__all__ = ["build_parser", "chosen_store", "main"]

_NO_STORE = "an existing store; create one with: python -m workbook init PATH"


def _is_url(location: str) -> bool:
    return "://" in location


def chosen_store(explicit: str | None = None) -> tuple[str, str]:
    """The store ``lab`` and ``app`` open and why: ``(location, reason)``.

    Makes the demo store when there is no clinic store yet; refuses a named path that is not
    there, so that a typo never silently opens an empty store.
    """
    from .records.paths import default_store_path, demo_store_path

    for location, reason in ((explicit, "from --store"), (os.environ.get("WORKBOOK_DB"), "")):
        if location:
            if not _is_url(location) and not Path(location).expanduser().is_file():
                raise WorkbookError("store", location, _NO_STORE)
            return location, reason or "from $WORKBOOK_DB"
    if default_store_path().exists():
        return str(default_store_path()), "the clinic store"
    demo = demo_store_path()
    if not demo.exists():
        from .records.demo import make_demo_store

        make_demo_store(demo).close()
        return str(demo), "no clinic store yet: a new demo store"
    return str(demo), "no clinic store yet: the demo store"


def _describe(location: str) -> str:
    from .records.store import open_store

    with open_store(location) as store:
        n = len(store.patients())
        kind = "DEMO store of fictional patients" if store.is_demo else "clinic store"
        return f"{kind}, {n} patient{'s' if n != 1 else ''}"


def _serve(kind: str, args: argparse.Namespace, extra: Sequence[str]) -> int:
    needed = "jupyterlab" if kind == "lab" else "voila"
    if importlib.util.find_spec(needed) is None:
        print(f"workbook: {needed} is not installed; run: pip install '.[lab]'", file=sys.stderr)
        return 1
    from .ui.launch import serve

    location, reason = chosen_store(args.store)
    print(f"Store: {location} ({reason}; {_describe(location)})", flush=True)
    _auto_backup(location)
    return serve(
        location,
        "lab" if kind == "lab" else "app",
        port=args.port,
        open_browser=not args.no_browser,
        extra=extra,
    )


def _auto_backup(location: str) -> None:
    """The rotating backup made before serving; a failure is said, never fatal."""
    from .records.backup import auto_backup

    try:
        made = auto_backup(location)
    except (WorkbookError, OSError) as exc:
        print(f"workbook: no automatic backup was made: {exc}", file=sys.stderr)
        return
    if made is not None:
        print(f"Backup: {made}", flush=True)


def _backup(dest: str | None, store: str | None) -> int:
    from .records.paths import backups_dir, private_dir
    from .records.store import open_store

    location, _reason = chosen_store(store)
    with open_store(location) as opened:
        made = opened.backup(dest if dest else private_dir(backups_dir()))
    print(f"Backup of {location} written to {made}")
    return 0


def _restore(backup: str, to: str | None) -> int:
    from .records.backup import restore_store
    from .records.paths import default_store_path

    target = to or os.environ.get("WORKBOOK_DB") or str(default_store_path())
    if _is_url(target):
        raise WorkbookError("--to", target, "a store file; a PostgreSQL store: use pg_restore")
    aside = restore_store(backup, target)
    print(f"Restored {backup} to {target}.")
    if aside is not None:
        print(f"The store that was there is kept as {aside}.")
    return 0


def _init(path: str) -> int:
    from .records.store import open_store

    target = Path(path).expanduser()
    if target.exists():
        if target.is_file() and target.stat().st_size > 0:
            with target.open("rb") as handle:
                is_sqlite = handle.read(16) == b"SQLite format 3\x00"
            if is_sqlite:
                with open_store(target) as store:
                    print(f"{store.location} is already a workbook store; nothing was changed.")
                return 0
        raise WorkbookError("store", path, "a new file name: this file exists and is no store")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open_store(target) as store:
        print(f"Clinic store created: {store.location}")
    print(
        f"Open it with: WORKBOOK_DB={target} make lab   (or: python -m workbook lab --store {path})"
    )
    return 0


def _demo(path: str) -> int:
    from .records.demo import make_demo_store

    with make_demo_store(path) as store:
        n = len(store.patients())
        print(f"Demo store of {n} fictional patients written to {store.location}")
    return 0


def _where() -> int:
    from .clinical.paths import data_dir, shipped_folder
    from .records.paths import default_store_path, demo_store_path, exports_dir

    clinic = default_store_path()

    def state(path: Path) -> str:
        return "exists" if path.exists() else "not created yet"

    try:
        in_use = "%s (%s)" % chosen_store()  # noqa: UP031 - a pair into one line
    except WorkbookError as exc:
        in_use = f"none: {exc}"
    lines = [
        f"store in use:   {in_use}",
        f"clinic store:   {clinic} ({state(clinic)})",
        f"demo store:     {demo_store_path()} ({state(demo_store_path())})",
        f"data tables:    {data_dir()}",
        f"notebooks:      {shipped_folder('notebooks')}",
        f"exports:        {exports_dir()}",
    ]
    print("\n".join(lines))
    return 0


def _add_server_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: free)")
    command.add_argument("--no-browser", action="store_true", help="print the address only")
    command.add_argument("--store", default=None, help="the store to open (a path or a URL)")


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command a job."""
    parser = argparse.ArgumentParser(
        prog="workbook",
        description="Hip Mobility Workbook: stretch routines, visit logs and progress.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    lab = commands.add_parser(
        "lab", help="open the visit notebook in JupyterLab (other arguments go to JupyterLab)"
    )
    _add_server_options(lab)
    app = commands.add_parser("app", help="serve the visit screens as an app (Voilà), no code")
    _add_server_options(app)
    init = commands.add_parser("init", help="create a clinic store")
    init.add_argument("path", help="the new store file")
    demo = commands.add_parser("demo", help="write a demo store of fictional patients")
    demo.add_argument("path", help="the store file to create (an existing demo store is rebuilt)")
    commands.add_parser("where", help="print which store is in use and where the files are")
    backup = commands.add_parser("backup", help="copy the store in use (consistent, owner-only)")
    backup.add_argument("dest", nargs="?", default=None, help="a new file or a folder")
    backup.add_argument("--store", default=None, help="the store to copy (a path)")
    restore = commands.add_parser("restore", help="put a backup in place of the store")
    restore.add_argument("backup", help="the backup file")
    restore.add_argument("--to", default=None, help="the store to replace (default: in use)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``workbook`` command; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognised arguments: {' '.join(extra)}")
    try:
        if args.command in ("lab", "app"):
            return _serve(args.command, args, extra)
        if args.command == "init":
            return _init(args.path)
        if args.command == "demo":
            return _demo(args.path)
        if args.command == "backup":
            return _backup(args.dest, args.store)
        if args.command == "restore":
            return _restore(args.backup, args.to)
        return _where()
    except WorkbookError as exc:
        print(f"workbook: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
