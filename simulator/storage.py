"""Crash-safe files: nothing half-written ever appears under a final name.

Every output is written to a temporary name in the same folder, flushed to disk, then renamed
(rename is atomic on POSIX), so a crash, Ctrl-C or a full disk leaves either the old file or the new
one, never a torn one.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from simulator.errors import UserError, printable


def _file_mode() -> int:
    # mkstemp creates files readable only by their owner; outputs should follow the umask.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_MODE = _file_mode()


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``, else delete it.

    Inside an open :class:`OutputFolder`, the write is checked first (inside ``--out``, never
    over a file negsim did not write).
    """
    path = guard(Path(path))
    with _atomic(path) as tmp:
        yield tmp


def _write_raw(path: Path, data: bytes) -> None:
    """Write negsim's own bookkeeping atomically (not subject to :func:`guard`)."""
    with _atomic(path) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, _MODE)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


# --- Output folders: every command's files, written only under --out, never over a stranger's ---

#: negsim's own corner of an output folder: the lock and the record of what negsim wrote there.
WORK = ".negsim"
LOCK = f"{WORK}/lock"
RECORD = f"{WORK}/outputs.json"

_ACTIVE: contextvars.ContextVar[OutputFolder | None] = contextvars.ContextVar("negsim_output", default=None)


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold ``out`` exclusively (``out/.negsim/lock``) while the block runs; a second negsim
    writing to ``out`` is refused at once. The operating system releases the lock on any exit,
    even ``kill -9``. ``out`` and ``out/.negsim`` must exist."""
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                printable(
                    f"{out}: another negsim is writing to this folder; wait for it or choose another --out"
                )
            ) from None
        yield
    finally:
        os.close(fd)


def check_folder(out: Path) -> None:
    """Refuse an output folder that cannot be one (empty name, a file, a name too long): exit 2."""
    if str(out).strip() == "":
        raise UserError("--out: give a folder name (an empty one was given)")
    try:
        if out.exists() and not out.is_dir():
            raise UserError(printable(f"{out}: --out must be a folder, and this is a file"))
    except (OSError, ValueError) as exc:
        raise UserError(
            printable(f"{out}: cannot use this --out ({getattr(exc, 'strerror', None) or exc})")
        ) from None


class OutputFolder:
    """The one writer of a command's output folder (``--out``).

    While it is open (``with OutputFolder(out, command="compare", overwrite=...)``):

    - the folder is locked like a run folder, so two commands never write into it at once;
    - every file written through :func:`atomic_path` under ``out`` is checked: it must stay inside
      ``out`` (no ``..``, no symlinked folder leading out), and an existing file is replaced only if
      negsim wrote it (recorded in ``.negsim/outputs.json``); a write outside ``out`` is a bug and
      fails;
    - this command's earlier outputs in ``out`` are refused without ``overwrite``, and removed
      (main document first) with it, so no stale figure is left beside new numbers.
    """

    def __init__(self, out: Path, *, command: str, overwrite: bool = False, fresh: bool = False) -> None:
        """``fresh``: ``out`` is an empty folder this command made just now (``rundir.new_folder``,
        the default ``runs/<name>-<time>``), so it is removed like one this class made if the
        command ends having written nothing (a refused ``--set-b`` leaves no empty folder behind)."""
        self.out = Path(out)
        self.command = command
        self.overwrite = overwrite
        self._stack = contextlib.ExitStack()
        self._records: dict[str, list[str]] = {}
        self._fresh = fresh
        self._created = False
        self._token: contextvars.Token[OutputFolder | None] | None = None
        self._root = self.out

    def __enter__(self) -> OutputFolder:
        check_folder(self.out)
        try:
            self._created = self._fresh or not self.out.exists()
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / WORK).mkdir(exist_ok=True)
            self._root = self.out.resolve()
        except (OSError, ValueError) as exc:
            raise UserError(
                printable(f"{self.out}: cannot use this --out ({getattr(exc, 'strerror', None) or exc})")
            ) from None
        self._stack.enter_context(folder_lock(self.out))
        try:
            self._records = _read_record(self.out)
            earlier = [f for f in self._records.get(self.command, []) if os.path.lexists(self.out / f)]
            if earlier and not self.overwrite:
                raise UserError(
                    printable(
                        f"{self.out} already holds an earlier {self.command}'s output ({earlier[0]}); "
                        "choose another --out or pass --overwrite"
                    )
                )
            for name in earlier:  # recorded in writing order: the main document goes first
                with contextlib.suppress(OSError):
                    (self.out / name).unlink()
            for name in sorted({str(Path(n).parent) for n in earlier}, key=len, reverse=True):
                if name != ".":
                    with contextlib.suppress(OSError):
                        (self.out / name).rmdir()  # only if nothing of the user's is left in it
            self._records[self.command] = []
            self._save()
        except BaseException:
            self._stack.close()
            raise
        self._token = _ACTIVE.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _ACTIVE.reset(self._token)
            self._token = None
        try:
            if not any(self._records.values()):
                with contextlib.suppress(OSError):
                    (self.out / RECORD).unlink()
                    (self.out / LOCK).unlink()
                    (self.out / WORK).rmdir()
                    if self._created:
                        self.out.rmdir()
        finally:
            self._stack.close()

    def path(self, name: str) -> Path:
        """``out/name``, checked to stay inside ``out`` (for writers that build their own names)."""
        return self._check(self.out / name)

    def written(self) -> list[Path]:
        """The files this command wrote, in writing order."""
        return [self.out / n for n in self._records.get(self.command, [])]

    def reserve(self, names: list[str]) -> list[Path]:
        """Check every one of ``names`` before any is written (all or nothing), then record them."""
        vetted = [self._vet(self.out / n) for n in names]
        return [self._record(rel) for rel in vetted]

    def _check(self, path: Path) -> Path:
        return self._record(self._vet(path))

    def _vet(self, path: Path) -> Path:
        """``path`` relative to ``out``, or an error: outside ``out`` (a bug), through a symlink
        leading out, into negsim's own folder, or over a file negsim did not write."""
        rel = _relative(path, self.out)
        if rel is None:
            raise RuntimeError(f"negsim tried to write {path} outside --out {self.out}")
        try:
            parent = (self.out / rel).parent.resolve()
        except (OSError, RuntimeError) as exc:
            raise UserError(printable(f"{self.out / rel}: cannot write here ({exc})")) from None
        if not parent.is_relative_to(self._root):
            raise UserError(
                printable(f"{self.out / rel}: a symlink leads out of --out {self.out}; not writing there")
            )
        name = rel.as_posix()
        if name.startswith(WORK + "/") or name == WORK:
            raise UserError(printable(f"{self.out / rel}: {WORK}/ is negsim's own folder"))
        mine = name in self._records.get(self.command, [])
        if os.path.lexists(self.out / rel) and not mine:
            ours = any(name in files for files in self._records.values())
            if not (ours and self.overwrite):
                what = "negsim's earlier output" if ours else "a file negsim did not write"
                hint = "; pass --overwrite" if ours else "; move it or choose another --out"
                raise UserError(printable(f"{self.out / rel} already exists ({what}){hint}"))
        return rel

    def _record(self, rel: Path) -> Path:
        name = rel.as_posix()
        if name not in self._records.get(self.command, []):
            for files in self._records.values():
                if name in files:
                    files.remove(name)
            self._records.setdefault(self.command, []).append(name)
            self._save()  # recorded before it is written: an interrupted write is still ours
        return self.out / rel

    def _save(self) -> None:
        _write_raw(self.out / RECORD, json.dumps(self._records, indent=1, sort_keys=True).encode())


def _relative(path: Path, out: Path) -> Path | None:
    """``path`` relative to ``out`` when it is spelled under it without ``..``; else None."""
    try:
        rel = Path(os.path.normpath(path)).relative_to(os.path.normpath(out))
    except ValueError:
        try:
            rel = Path(path).resolve().relative_to(out.resolve())
        except (ValueError, OSError, RuntimeError):
            return None
    if rel == Path(".") or ".." in rel.parts or rel.is_absolute():
        return None
    return rel


def _read_record(out: Path) -> dict[str, list[str]]:
    path = out / RECORD
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    ok = isinstance(data, dict) and all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(f, str) for f in v)
        for k, v in data.items()
    )
    if not ok:
        raise UserError(printable(f"{path}: damaged record of negsim's outputs; remove it to continue"))
    return {k: [f for f in v if _relative(out / f, out) is not None] for k, v in data.items()}


def guard(path: Path) -> Path:
    """Check a write to ``path`` against the open :class:`OutputFolder`, if any (see there)."""
    folder = _ACTIVE.get()
    return path if folder is None else folder._check(path)
