"""Writing the files people read: whole or not at all, owner-only, with neutral metadata.

Every document the workbook writes (chart exports, the handout, the progress report, a shared
case) names or describes a patient, so every one is written the same way:

- :func:`check_target` refuses a wrong suffix or a missing folder before any work is done;
- :func:`atomic_path` hands out a temporary file created beside the target, then flushes it to
  disk and moves it into place in one rename, so a crash or an error never leaves half a file
  and a reader never sees one; on failure the temporary file is removed;
- with ``exclusive=True`` (:func:`atomic_path`, :func:`private_workspace`) nothing is ever
  replaced: the finished file or folder is moved into place only if the target is still absent
  (:func:`move_no_replace`), so a file or link planted at the target after the check is left as
  it was and the write fails with a :class:`~workbook.errors.WorkbookError`;
- a full disk (or another failing write) becomes a ``WorkbookError`` in plain words, with the
  temporary file or folder removed (:func:`disk_errors`);
- files are readable and writable by their owner only (:data:`FILE_MODE`, 0600), folders
  likewise (:data:`FOLDER_MODE`, 0700);
- :func:`neutral_metadata` gives the PNG, SVG and PDF metadata that carries no software version,
  no creation date and no title: nothing that identifies a patient, a clinic or a moment.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as folder:
...     target = check_target(Path(folder) / "note.txt", (".txt",))
...     written = write_text(target, "Hold 30 seconds.")
...     print(written.read_text(), oct(written.stat().st_mode & 0o777))
...     print(sorted(p.name for p in Path(folder).iterdir()))
Hold 30 seconds. 0o600
['note.txt']
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import matplotlib as mpl

from ..errors import WorkbookError, one_of

# Owner-only (a document about a patient is nobody else's): one policy for every file the
# workbook writes, widened only by WORKBOOK_SHARED_GROUP (see workbook.records.paths).
from ..records.paths import FILE_MODE, FOLDER_MODE

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "NEUTRAL_CREATOR",
    "atomic_path",
    "check_target",
    "disk_errors",
    "move_no_replace",
    "neutral_metadata",
    "pdf_text",
    "private_folder",
    "private_workspace",
    "write_bytes",
    "write_text",
]

# Neutral, fixed metadata: no software version, no creation date, no title. Sharing depends on
# exports carrying nothing that identifies a patient, a clinic or a moment.
NEUTRAL_CREATOR = "Hip Mobility Workbook"
_NEUTRAL: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Creator": NEUTRAL_CREATOR, "Date": None},
    "pdf": {"Creator": NEUTRAL_CREATOR, "Producer": NEUTRAL_CREATOR, "CreationDate": None},
}


def pdf_text() -> contextlib.AbstractContextManager[Any]:
    """The settings every PDF of the workbook is written with (a ``with`` block).

    Fonts are embedded as Type 3 (glyph outlines, subset by matplotlib itself) with a Unicode
    map: the text stays selectable, searchable and read aloud, and prints the same as Type 42
    (TrueType), whose subsetting through fontTools took half the time of a whole handout.
    Compression keeps the page text out of the raw bytes.
    """
    return mpl.rc_context({"pdf.fonttype": 3, "pdf.compression": 6})


def neutral_metadata(fmt: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Metadata for matplotlib's ``savefig``/``PdfPages`` that names no software or date.

    Parameters
    ----------
    fmt : {"png", "svg", "pdf"}
        The file format.
    extra : mapping, optional
        Keys merged over the neutral ones (e.g. ``{"Title": ...}``; ``None`` removes a key).

    Returns
    -------
    dict
        A new dict each call, safe to change.

    Examples
    --------
    >>> neutral_metadata("pdf", {"Title": "Your home stretches"})["Title"]
    'Your home stretches'
    >>> neutral_metadata("png")
    {'Software': None}
    """
    if fmt not in _NEUTRAL:
        raise WorkbookError("format", fmt, one_of(_NEUTRAL))
    if extra is not None and not isinstance(extra, Mapping):
        raise WorkbookError("metadata", extra, "a mapping of metadata keys to values, or None")
    return {**_NEUTRAL[fmt], **dict(extra or {})}


def check_target(
    path: str | os.PathLike[str],
    suffixes: Iterable[str],
    *,
    field: str = "path",
    new: bool = False,
) -> Path:
    """Check where a document will be written, before anything is drawn.

    Parameters
    ----------
    path : str or path-like
        The file (or folder) to write.
    suffixes : iterable of str
        Allowed suffixes, lower case with the dot (``".pdf"``); compared ignoring case. Empty
        allows any suffix (a folder, say).
    field : str
        The name given in the error message.
    new : bool
        Refuse a path that exists already (nothing is overwritten).

    Returns
    -------
    Path

    Raises
    ------
    WorkbookError
        For another suffix, a folder that does not exist, or (``new``) an existing path.

    Examples
    --------
    >>> try:
    ...     check_target("chart.jpg", (".png", ".svg"))
    ... except WorkbookError as error:
    ...     print(error.allowed)
    a file name ending in one of '.png', '.svg'
    """
    target = Path(path)
    allowed = tuple(suffixes)
    if allowed and target.suffix.lower() not in allowed:
        raise WorkbookError(field, str(path), "a file name ending in " + one_of(allowed))
    if new and target.exists():
        raise WorkbookError(
            field, str(path), "a path that does not exist yet (nothing is overwritten)"
        )
    if not target.parent.is_dir():
        raise WorkbookError(field, str(path), "a path in an existing folder")
    return target


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    # The rename itself is durable only once the folder is flushed; not every system lets a
    # folder be opened (Windows), and there the rename is as durable as it gets.
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _exists(path: Path) -> bool:
    return os.path.lexists(path)  # a dangling link counts: it is something we would replace


def _taken(target: Path) -> WorkbookError:
    return WorkbookError(
        "path",
        str(target),
        "a path that does not exist yet (something appeared there while "
        "the document was written; nothing was overwritten)",
    )


_RENAME_NOREPLACE = 1  # Linux renameat2 flag
_RENAME_EXCL = 4  # macOS renamex_np flag
_AT_FDCWD = -100


def _libc_rename_no_replace(source: Path, target: Path) -> bool:
    """Rename with the kernel's no-replace flag; False when this system or file system has none."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    src, dst = os.fsencode(source), os.fsencode(target)
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        result = libc.renameat2(_AT_FDCWD, src, _AT_FDCWD, dst, _RENAME_NOREPLACE)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        result = libc.renamex_np(src, dst, _RENAME_EXCL)
    else:
        return False
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # the file system cannot do it: fall back below
    raise OSError(code, os.strerror(code), str(target))


def move_no_replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Move a file or folder to ``target`` only if nothing is there, in one step.

    ``os.replace`` (and ``shutil.move``) would silently replace a file created at the target
    after it was checked, or move a folder *into* a folder or link planted there. This uses the
    kernel's own no-replace rename (Linux ``renameat2(RENAME_NOREPLACE)``, macOS
    ``renamex_np(RENAME_EXCL)``): the check and the move are one system call, so nothing can
    slip in between. Where the file system lacks it, a file is hard-linked to the target
    (``link`` fails if the name exists, even as a dangling link) and its temporary name
    removed; a folder is renamed after a last check (Windows' rename never replaces).

    Raises
    ------
    WorkbookError
        When something exists at ``target``; ``source`` is then left where it was.
    """
    src, dst = Path(source), Path(target)
    try:
        if sys.platform == "win32":
            src.rename(dst)  # never replaces on Windows
            return dst
        if _libc_rename_no_replace(src, dst):
            return dst
        if src.is_dir():
            if _exists(dst):
                raise FileExistsError(errno.EEXIST, "exists", str(dst))
            src.rename(dst)
        else:
            os.link(src, dst, follow_symlinks=False)
            src.unlink()
    except FileExistsError:
        raise _taken(dst) from None
    return dst


@contextlib.contextmanager
def disk_errors(target: str | os.PathLike[str]) -> Iterator[None]:
    """Turn a failing write (full disk, quota, read-only disk) into a plain-words error."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            allowed = "a disk with room for it: the disk is full, nothing was written"
        elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            allowed = "a folder you may write to: nothing was written"
        else:
            allowed = f"a place the file can be written ({exc.strerror}); nothing was written"
        raise WorkbookError("path", str(target), allowed) from None


@contextlib.contextmanager
def atomic_path(
    target: str | os.PathLike[str], *, mode: int = FILE_MODE, exclusive: bool = False
) -> Iterator[Path]:
    """A temporary path beside ``target`` to write to; moved into place when the block ends.

    The temporary file is created empty in the target's folder (so the final rename stays on one
    file system), hidden by a leading dot. When the ``with`` block ends normally the file gets
    ``mode``, is flushed to disk and renamed over ``target`` in one step; when it raises, the
    temporary file is removed and ``target`` is left as it was.

    Parameters
    ----------
    target : str or path-like
        The file to write, in an existing folder.
    mode : int, default 0o600
        Permission bits of the finished file.
    exclusive : bool, default False
        Never replace: move into place only if ``target`` is still absent
        (:func:`move_no_replace`), else remove the temporary file and raise ``WorkbookError``.

    Yields
    ------
    Path
        Where to write (a writer may replace the empty file, e.g. ``fig.savefig(path)``).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = Path(folder) / "sheet.html"
    ...     try:
    ...         with atomic_path(target) as tmp:
    ...             _ = tmp.write_text("<p>half a sheet")
    ...             raise RuntimeError("the drawing failed")
    ...     except RuntimeError:
    ...         pass
    ...     print(list(Path(folder).iterdir()))
    []
    """
    final = Path(target)
    # mkstemp: a random name opened with O_CREAT | O_EXCL, which never follows a link planted
    # there; the file is the caller's from the first instant.
    handle, name = tempfile.mkstemp(prefix=f".{final.stem}-", suffix=final.suffix, dir=final.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(mode)
        _fsync_file(temporary)
        if exclusive:
            move_no_replace(temporary, final)
        else:
            temporary.replace(final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(final.parent)


def write_text(
    target: str | os.PathLike[str], text: str, *, mode: int = FILE_MODE, exclusive: bool = False
) -> Path:
    """Write UTF-8 text whole or not at all (see :func:`atomic_path`); returns the path."""
    with atomic_path(target, mode=mode, exclusive=exclusive) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(target)


def write_bytes(
    target: str | os.PathLike[str], data: bytes, *, mode: int = FILE_MODE, exclusive: bool = False
) -> Path:
    """Write bytes whole or not at all (see :func:`atomic_path`); returns the path."""
    with atomic_path(target, mode=mode, exclusive=exclusive) as temporary:
        temporary.write_bytes(data)
    return Path(target)


def private_folder(path: str | os.PathLike[str]) -> Path:
    """Create a folder only its owner can open (0700), whatever the umask; returns it.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as parent:
    ...     oct(private_folder(Path(parent) / "case").stat().st_mode & 0o777)
    '0o700'
    """
    folder = Path(path)
    folder.mkdir(mode=FOLDER_MODE)
    folder.chmod(FOLDER_MODE)
    return folder


@contextlib.contextmanager
def private_workspace(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A new owner-only folder beside ``target`` to build a folder in; put in place at the end.

    The folder is made by ``mkdtemp`` (a random name, created exclusively, 0700), so a link
    planted under any name beside the target is never written through. When the block ends
    normally the folder is flushed and moved to ``target`` only if nothing is there
    (:func:`move_no_replace`); when anything fails it is removed with all it holds.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as parent:
    ...     with private_workspace(Path(parent) / "case") as work:
    ...         _ = write_text(work / "a.txt", "one")
    ...     print(sorted(p.name for p in Path(parent).iterdir()), oct((Path(parent) / "case")
    ...           .stat().st_mode & 0o777))
    ['case'] 0o700
    """
    final = Path(target)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        work.chmod(FOLDER_MODE)
        yield work
        for child in work.iterdir():
            if child.is_file():
                _fsync_file(child)
        _fsync_folder(work)
        move_no_replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _fsync_folder(final.parent)
