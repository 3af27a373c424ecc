"""Building blocks of the report page: escaping, tables, probabilities, embedded figures, style."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from simulator.numbers import pct

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 1100px; margin: 0 auto; padding: 0 1.5em 3em; }
header { border-bottom: 2px solid #2b6ca3; margin-bottom: 1em; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
h3 { margin-top: 1.4em; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.3em 1.4em; padding: 0; list-style: none; }
nav a { color: #2b6ca3; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.15em 1em; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 14px; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e2e2e2; text-align: left;
         vertical-align: top; }
th { background: #f1f4f8; } tbody tr:nth-child(even) { background: #fafafa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ci { color: #777; font-size: 12px; }
.sig { color: #b2182b; font-weight: 600; }
code { font-size: 13px; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 13px; }
p.src { margin: 0.1em 0; } p.src q { font-style: italic; }
p.assume { margin: 0.1em 0; color: #555; }
.seed { font-family: monospace; color: #2b6ca3; }
footer { margin-top: 3em; color: #777; font-size: 13px; }
"""


class Html(str):
    """Markup that is already safe to insert (built from escaped parts)."""


def esc(value: object) -> str:
    """Text made safe for HTML (``Html`` passes through unchanged)."""
    return value if isinstance(value, Html) else html.escape(str(value))


#: The run figures in reading order (others follow alphabetically).
FIGURE_ORDER = ("levels", "events", "outcomes", "positions", "threats")


#: The figure files a page can embed, by suffix (a PDF cannot be shown inline: ``--format pdf``
#: figures are left as files beside the report).
EMBEDDED = {".png": "image/png", ".svg": "image/svg+xml"}


def png_files(d: Path) -> list[Path]:
    """Every PNG or SVG figure of a folder (``figures/`` and the folder itself), run figures in
    order; a figure written in both formats is embedded once, as PNG."""
    found = sorted({p for ext in EMBEDDED for p in (*(d / "figures").glob(f"*{ext}"), *d.glob(f"*{ext}"))})
    pngs = {p.with_suffix("") for p in found if p.suffix == ".png"}
    found = [p for p in found if p.suffix == ".png" or p.with_suffix("") not in pngs]
    rank = {name: i for i, name in enumerate(FIGURE_ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.stem, len(rank)), p.name))


def figure_block(paths: Sequence[Path], empty: str) -> str:
    if not paths:
        return f"<p>{esc(empty)}</p>"
    out = []
    for p in paths:
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        out.append(
            f'<figure><img src="data:{EMBEDDED.get(p.suffix, "image/png")};base64,{data}" '
            f'alt="{esc(p.stem)}">'
            f"<figcaption>{esc(p.name)}</figcaption></figure>"
        )
    return "".join(out)


def html_table(heads: Sequence[object], rows: Sequence[Sequence[object]], numeric: Iterable[int] = ()) -> str:
    num = set(numeric)

    def cls(i: int) -> str:
        return ' class="num"' if i in num else ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(heads))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{esc(c)}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def p_ci(e: dict[str, Any] | None) -> Html:
    if not e:
        return Html("—")
    lo, hi = (esc(pct_text(x)) for x in e.get("ci95", [0.0, 0.0]))
    return Html(f"{esc(pct_text(e.get('p')))} <span class='ci'>(95% CI {lo}–{hi})</span>")


def pct_text(p: float | None) -> str:
    return pct(p)


def count_text(v: object) -> str:
    """A whole number with thousands separators (escaped text for anything else)."""
    return f"{v:,}" if isinstance(v, int) else esc(v if v is not None else "?")


def num_text(v: object) -> str:
    if v is None:
        return "—"
    return f"{v:.3f}" if isinstance(v, float) else str(v)
