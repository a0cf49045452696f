"""Writing a bundle folder so that a reader only ever sees a complete one: the export writes into a staging folder
next to ``--out`` (same file system), flushes it to disk, and swaps it into place in one step.

* A kill at any moment leaves ``--out`` as it was (the previous bundle, or nothing) or the complete new bundle:
  with ``--out`` present, the two folders are exchanged atomically (Linux ``renameat2(RENAME_EXCHANGE)``);
  otherwise the staging folder is renamed to ``--out``. The replaced bundle is then deleted.
* A staging folder left by a killed export (``.NAME.export-PID-*`` whose process is gone) is removed by the
  next export to the same place.
* Two exports to the same ``--out`` at once: each publishes a complete bundle; without ``--force`` the second
  one to finish is refused (the folder is no longer empty), with ``--force`` the last one wins.
* A full disk is an :class:`~finlite.errors.ExportError` naming the folder; ``--out`` is left as it was.
* Folders get the normal permissions of the user's umask (``tempfile.mkdtemp`` would make them 0700).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import secrets
import shutil
from pathlib import Path

from ..errors import ExportError

_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def staging_dir(out_dir: Path) -> Path:
    """A new, empty staging folder beside ``out_dir``, after removing the ones killed exports left there."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out_dir.name}.export-"
    for stale in out_dir.parent.glob(prefix + "*"):
        pid = stale.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    path = out_dir.parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
    os.mkdir(path)  # mode 0o777 & ~umask: the normal permissions of a folder the user creates
    return path


def _fsync_tree(folder: Path) -> None:
    """Flush every file and the folder itself, so that the swap never publishes data still in memory only."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for directory in (folder, folder.parent):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ≥ 3.15); False where the system call is not available."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    if libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL):  # old kernel, or a file system without exchange
        return False
    raise OSError(code, os.strerror(code), str(b))


def publish(staging: Path, out_dir: Path, force: bool) -> None:
    """Move the complete bundle in ``staging`` to ``out_dir`` in one step (see the module doc)."""
    _fsync_tree(staging)
    if not out_dir.exists():
        try:
            os.rename(staging, out_dir)
            return
        except OSError as err:
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            if not force:  # another export published there while this one ran
                raise ExportError(f"{out_dir}: another export wrote a bundle there meanwhile; pass --force to replace it") from None
    if not out_dir.is_dir():
        raise ExportError(f"{out_dir} exists and is not a folder; refusing to replace it")
    if not force and any(out_dir.iterdir()):
        raise ExportError(f"{out_dir}: another export wrote a bundle there meanwhile; pass --force to replace it")
    if _exchange(staging, out_dir):
        shutil.rmtree(staging)  # now the previous bundle
        return
    # No atomic exchange here: set the old bundle aside, move the new one in (a kill in between leaves the old
    # bundle in the '.NAME.previous-*' folder), then delete the old one.
    aside = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(out_dir, aside)
    os.rename(staging, out_dir)
    shutil.rmtree(aside)


def disk_full(err: BaseException) -> bool:
    """True when ``err`` (an OSError, or a converter's wrapper of one) means the disk or quota is full."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return "No space left on device" in str(err) or "Disk quota exceeded" in str(err)
