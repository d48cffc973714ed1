"""Reading a bundle a colleague sent (a zip or a folder) without trusting it.

A shared case or a CSV export comes from outside the clinic's control: a damaged or hostile
archive must not fill the memory or the disk, nor read files outside itself. Every member is
checked before a byte is kept, and read through a cap:

- at most :data:`MAX_MEMBERS` members, each at most :data:`MAX_MEMBER_BYTES` once unpacked
  (declared size and actual bytes both counted, so a lying header is caught while streaming), and
  :data:`MAX_TOTAL_BYTES` in all;
- no absolute paths, no ``..``, no duplicate names, no symbolic links, devices or other special
  files (in a zip: by the Unix mode bits; in a folder: by ``lstat``, never following a link);
- only the expected names are read; anything else is ignored.

The limits are workbook defaults, sized far above a real case (a case of 200 visits is about
100 kB): they are documented in ``docs/limits.md``.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from typing import IO

from ..errors import WorkbookError

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_TOTAL_BYTES",
    "read_bundle",
]

#: How many members an archive may hold (workbook default).
MAX_MEMBERS = 64
#: How large one unpacked member may be, in bytes (workbook default: 50 MB).
MAX_MEMBER_BYTES = 50 * 1024 * 1024
#: How large all the members read may be together, in bytes (workbook default: 100 MB).
MAX_TOTAL_BYTES = 100 * 1024 * 1024
_CHUNK = 64 * 1024


def _refuse(what: str, value: object, allowed: str) -> WorkbookError:
    return WorkbookError(what, value, allowed)


def _member_name(raw: str, prefix: str) -> str | None:
    """The member's name within ``prefix`` (e.g. ``case/``), or None when it is elsewhere."""
    path = PurePosixPath(raw.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (raw[1:3] == ":/" or raw[1:3] == ":\\"):
        raise _refuse("bundle member", raw, "a name inside the bundle (no absolute path, no '..')")
    text = str(path)
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :]
    return text if "/" not in text else None


def _read_capped(handle: IO[bytes], name: str, budget: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    limit = min(MAX_MEMBER_BYTES, budget)
    while chunk := handle.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise _refuse(
                "bundle member size", name, f"at most {limit:,} bytes unpacked (it is larger)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _from_zip(path: Path, wanted: Collection[str], prefix: str) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _refuse("bundle", f"{len(members)} members", f"at most {MAX_MEMBERS} members")
        seen: set[str] = set()
        for info in members:
            if info.filename in seen:
                raise _refuse("bundle member", info.filename, "each name once (it is repeated)")
            seen.add(info.filename)
            kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no type recorded, a plain file
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise _refuse("bundle member", info.filename, "a plain file (no link or device)")
            _member_name(info.filename, prefix)
        files: dict[str, bytes] = {}
        budget = MAX_TOTAL_BYTES
        for info in members:
            name = _member_name(info.filename, prefix)
            if info.is_dir() or name is None or name not in wanted:
                continue
            if info.file_size > MAX_MEMBER_BYTES or info.file_size > budget:
                raise _refuse(
                    "bundle member size", name, f"at most {MAX_MEMBER_BYTES:,} bytes unpacked"
                )
            with archive.open(info) as handle:
                files[name] = _read_capped(handle, name, budget)
            budget -= len(files[name])
    return files


def _from_folder(folder: Path, wanted: Collection[str]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    budget = MAX_TOTAL_BYTES
    for name in wanted:
        member = folder / name
        try:
            info = member.lstat()
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(info.st_mode):
            raise _refuse("bundle member", name, "a plain file in the folder (no link or device)")
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(member, flags)
        with os.fdopen(descriptor, "rb") as handle:
            files[name] = _read_capped(handle, name, budget)
        budget -= len(files[name])
    return files


def read_bundle(
    bundle: str | os.PathLike[str], wanted: Collection[str], *, prefix: str = ""
) -> dict[str, bytes]:
    """The expected files of a zip or a folder, by name, read within the limits above.

    Parameters
    ----------
    bundle
        A ``.zip`` file or a folder.
    wanted
        The member names to read (others are checked, not read).
    prefix
        A folder inside the zip the members sit in (``"case/"``); also accepted at the top.

    Raises
    ------
    WorkbookError
        When the bundle is neither a zip nor a folder, or breaks a limit; nothing is kept.
    """
    path = Path(bundle)
    if path.is_symlink():
        raise _refuse("bundle", str(bundle), "a zip file or folder itself, not a link to one")
    if path.is_dir():
        return _from_folder(path, wanted)
    if path.is_file() and zipfile.is_zipfile(path):
        try:
            return _from_zip(path, wanted, prefix)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
            raise _refuse("bundle", path.name, f"a readable zip file ({exc})") from None
    raise _refuse("bundle", str(bundle), "a .zip file or a folder made by the workbook")
