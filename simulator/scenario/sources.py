"""Seed articles and the check that every quoted source really is in its article.

A quote matches when it occurs in the article after both are normalised: runs of whitespace become
one space, and curly quotes and apostrophes become straight ones (articles and editors disagree on
these; nothing else is forgiven, so a paraphrase fails).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import ScenarioError
from simulator.inputs import read_bytes

#: The largest seed article read (an article is tens of kilobytes; this stops /dev/zero and kin).
MAX_SEED_BYTES = 5_000_000

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Collapse whitespace and straighten quotes, so a quote can be compared with its article."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


@dataclass(frozen=True)
class Seed:
    """One source article: its id (file stem), text, and the normalised text used for matching."""

    id: str
    path: Path
    text: str
    normalized: str

    def contains(self, quote: str) -> bool:
        """True when ``quote`` occurs in the article (modulo whitespace and quote style)."""
        return normalize(quote) in self.normalized

    def nearest(self, quote: str) -> tuple[str, bool] | None:
        """The passage of the article closest to ``quote`` (for a did-you-mean hint), and whether
        it differs only by accents and case (``Erdogan`` for ``Erdoğan``); None if nothing is close."""
        want = normalize(quote)
        folded, starts = _fold_with_index(self.normalized)
        key, _ = _fold_with_index(want)
        at = folded.find(key)
        if at >= 0 and key:
            return self.normalized[starts[at] : starts[at + len(key) - 1] + 1], True
        import difflib

        best, best_ratio = None, 0.8
        n = len(want)
        for i in [0, *(m.end() for m in _SPACE.finditer(self.normalized))]:
            end = self.normalized.find(" ", i + n)  # to the end of the last word
            window = self.normalized[i : end if end > 0 else None]
            m = difflib.SequenceMatcher(None, want, window, autojunk=False)
            if m.real_quick_ratio() > best_ratio and m.quick_ratio() > best_ratio:
                ratio = m.ratio()
                if ratio > best_ratio:
                    best, best_ratio = window, ratio
        return (best, False) if best is not None else None


class SeedLibrary:
    """The seed articles in one folder (``*.txt``), looked up by id or unique id prefix.

    Example:
        >>> lib = SeedLibrary(Path("seeds"))  # doctest: +SKIP
        >>> lib.find("002").contains("will not respond to threats")  # doctest: +SKIP
        True
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seeds: dict[str, Seed] = {}
        if folder.is_dir():
            for p in sorted(folder.glob("*.txt")):
                text = _read_seed(p)
                self.seeds[p.stem] = Seed(p.stem, p, text, normalize(text))

    def find(self, seed_id: str) -> Seed | None:
        """The seed whose stem is ``seed_id`` or starts with ``seed_id + "_"``, if exactly one."""
        if seed_id in self.seeds:
            return self.seeds[seed_id]
        hits = [s for stem, s in self.seeds.items() if stem.startswith(seed_id + "_")]
        return hits[0] if len(hits) == 1 else None

    def ids(self) -> list[str]:
        """Short ids (the part before the first underscore) of every seed."""
        return [stem.split("_", 1)[0] for stem in self.seeds]


@dataclass(frozen=True)
class SeedInfo:
    """What ``seeds/index.yaml`` says about one article: the tag used in scenarios, and more."""

    id: str  # the short id, e.g. "000"
    stem: str  # the file name without .txt, e.g. "000_84079ad1555bc8b8"
    headline: str
    outlet: str  # "outlet not named" when the index gives none
    date: str  # the day it was written, e.g. "Tuesday 13 May 2025"


_DATE = re.compile(r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day )?\d{1,2} [A-Z][a-z]+ \d{4}")


def seed_index(folder: Path) -> list[SeedInfo]:
    """The articles listed in ``folder/index.yaml`` (empty if there is none or it is unreadable)."""
    from simulator.scenario.yamlsafe import load_yaml

    try:
        items = load_yaml(folder / "index.yaml").data  # the project's strict YAML 1.2 reader
    except (OSError, ScenarioError):
        return []
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or "id" not in item:
            continue
        written = " ".join(str(item.get("written") or "").split())
        m = _DATE.search(written)
        out.append(
            SeedInfo(
                id=str(item["id"]),
                stem=str(item.get("file") or item["id"]).removesuffix(".txt"),
                headline=" ".join(str(item.get("headline") or "").split()),
                outlet=str(item.get("outlet") or "outlet not named"),
                date=m.group(0) if m else (written[:40] or "date unknown"),
            )
        )
    return out


def _fold_with_index(text: str) -> tuple[str, list[int]]:
    """``text`` without accents and case, and for each kept character its index in ``text``."""
    import unicodedata

    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch).casefold():
            if not unicodedata.combining(c):
                out.append(c)
                index.append(i)
    return "".join(out), index


def _read_seed(path: Path) -> str:
    """A seed's text: only regular files (a FIFO would hang, a device never end), at most 5 MB."""
    limit = f"{MAX_SEED_BYTES // 1_000_000} MB"
    too_large = f"seed is larger than {limit}; is it an article?"
    raw = read_bytes(path, what="seed", limit=MAX_SEED_BYTES, too_large=too_large)  # the one reader
    return raw.decode("utf-8", errors="replace")
