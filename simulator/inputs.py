"""The one reader of user-supplied files, and the one parser of numbers written in them.

Why one place: every reader negsim grew on its own (scenario YAML, seeds, the DEU table, the EUM
actor table, ``datasets:``) had to learn the same lessons one at a time: a FIFO hangs a plain
``open``, ``/dev/zero`` never ends, a 100 MB file stalls, a path in a scenario can name a secret
outside the project, and Python's ``float`` accepts ``1_0``, ``nan``, ``٣`` (Arabic-Indic) and
``３`` (full-width). :func:`read_text` and :func:`strict_float` hold those lessons once.

- Only regular files are read (opened non-blocking, then checked with ``fstat``, so a FIFO or a
  device is refused without waiting on it), and at most ``limit`` bytes (larger files are refused
  with their size before they are read).
- With ``root``, the file must lie inside that folder tree (symlinks resolved) unless the user
  passed ``--allow-outside``.
- Messages name the file, never its content.
"""

from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path

from simulator.errors import ScenarioError, printable

#: A number as people write it in a data file: ASCII digits, one optional sign, an optional
#: fraction and exponent. No ``_`` separators, no ``nan``/``inf``, no other scripts' digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)

#: The largest table negsim reads (a DEU or EUM file; the whole DEU III file is about 0.2 MB).
MAX_TABLE_BYTES = 5_000_000


def strict_float(text: str) -> float | None:
    """``text`` (surrounding spaces allowed) as a finite float, or None when it is not one."""
    body = text.strip(" \t")
    if not _NUMBER.fullmatch(body):
        return None
    value = float(body)
    return value if math.isfinite(value) else None


def why_not_a_number(text: str) -> str:
    """Why :func:`strict_float` refused ``text``: ``"a number"``, ``"a finite number"``, or a
    number in ASCII digits (for ``1_0``, ``٣``, ``３``, which Python's ``float`` would take)."""
    try:
        value = float(text)
    except ValueError:
        return "a number"
    if not math.isfinite(value):
        return "a finite number"
    return "a number in plain ASCII digits (no '_', no other scripts' digits)"


def inside(path: Path, root: Path) -> bool:
    """True when ``path`` (symlinks resolved) lies in the folder tree ``root``."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, ValueError, RuntimeError):
        return False


def read_bytes(
    path: str | os.PathLike[str],
    *,
    what: str,
    limit: int,
    root: Path | None = None,
    display: str | None = None,
    too_large: str | None = None,
) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``), or a ScenarioError saying why not.

    Args:
        path: The file to read.
        what: What the file is, for messages (``"DEU table"``, ``"dataset"``).
        limit: The most bytes accepted; a larger file is refused with its size.
        root: When given, the file must lie inside this folder tree (``--allow-outside`` passes None).
        display: How the file is named in messages (default: ``path``).
        too_large: The message for a file over ``limit`` (default: its size and the limit).
    """
    name = str(path) if display is None else display
    p = Path(path)
    if root is not None and not inside(p, root):
        raise ScenarioError.single(
            name,
            0,
            0,
            f"{what} is outside the folder tree {printable(str(root))}; pass --allow-outside to read it",
        )
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioError.single(name, 0, 0, f"cannot read {what}: {reason}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError.single(name, 0, 0, f"cannot read {what}: not a regular file")
        if info.st_size > limit:
            raise ScenarioError.single(name, 0, 0, too_large or _too_large(what, info.st_size, limit))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            block = os.read(fd, min(1 << 20, limit + 1 - size))
            if not block:
                break
            chunks.append(block)
            size += len(block)
    except OSError as exc:
        raise ScenarioError.single(name, 0, 0, f"cannot read {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > limit:  # it grew while being read (or is a file whose size stat cannot tell)
        raise ScenarioError.single(name, 0, 0, too_large or _too_large(what, size, limit))
    return b"".join(chunks)


def read_text(
    path: str | os.PathLike[str],
    *,
    what: str,
    limit: int = MAX_TABLE_BYTES,
    root: Path | None = None,
    display: str | None = None,
) -> str:
    """:func:`read_bytes`, decoded as UTF-8 (a BOM is dropped); invalid UTF-8 is a located error."""
    raw = read_bytes(path, what=what, limit=limit, root=root, display=display)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        name = str(path) if display is None else display
        raise ScenarioError.single(name, line, col, f"{what} is not valid UTF-8 text") from None


def _too_large(what: str, size: int, limit: int) -> str:
    return f"{what} is too large ({size} bytes; the limit is {limit})"
