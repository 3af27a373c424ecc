"""Hoverable SVG charts: each bar or point carries its exact value and interval in a ``<title>``.

Plain SVG needs no JavaScript library in the page (nothing fetched from a CDN, nothing that can
fail to load offline), and a browser shows a ``<title>`` as a tooltip on hover. Every text is
escaped: labels come from user scenario files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

WIDTH = 760
ROW = 22
LABEL = 300
BLUE, ORANGE, GREY, RED = "#1f77b4", "#ff7f0e", "#888", "#d62728"


def _svg(height: int, body: list[str], test_id: str) -> str:
    return (
        f'<svg data-testid="{escape(test_id)}" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">'
        + "".join(body)
        + "</svg>"
    )


def probabilities(rows: Sequence[tuple[str, float, float, float]], test_id: str = "chart") -> str:
    """Horizontal bars of probabilities with 95% whiskers; rows are (label, p, lo, hi)."""
    span = WIDTH - LABEL - 70
    body = []
    for i, (label, p, lo, hi) in enumerate(rows):
        y = 6 + i * ROW
        tip = escape(f"{label}: {100 * p:.1f}% (95% interval {100 * lo:.1f}–{100 * hi:.1f}%)")
        body += [
            f'<g><title>{tip}</title><text x="{LABEL - 6}" y="{y + 13}" text-anchor="end">'
            f"{escape(_short(label))}</text>",
            f'<rect x="{LABEL}" y="{y + 2}" width="{max(0.5, span * p):.1f}" height="{ROW - 8}" '
            f'fill="{BLUE}"/>',
            f'<line x1="{LABEL + span * lo:.1f}" x2="{LABEL + span * hi:.1f}" y1="{y + ROW / 2 - 2}" '
            f'y2="{y + ROW / 2 - 2}" stroke="black"/>',
            f'<text x="{LABEL + span * p + 6:.1f}" y="{y + 13}">{100 * p:.1f}%</text></g>',
        ]
    return _svg(12 + ROW * len(rows), body, test_id)


def measures(rows: Sequence[tuple[str, float]], name: str, test_id: str = "measures") -> str:
    """Horizontal bars of a non-negative measure (a sensitivity index), longest = largest."""
    top = max([v for _, v in rows] + [1e-12])
    span = WIDTH - LABEL - 70
    body = []
    for i, (label, v) in enumerate(rows):
        y = 6 + i * ROW
        body += [
            f"<g><title>{escape(f'{label}: {name} = {v:.4g}')}</title>"
            f'<text x="{LABEL - 6}" y="{y + 13}" text-anchor="end">{escape(_short(label))}</text>',
            f'<rect x="{LABEL}" y="{y + 2}" width="{max(0.5, span * v / top):.1f}" height="{ROW - 8}" '
            f'fill="{BLUE}"/>',
            f'<text x="{LABEL + span * v / top + 6:.1f}" y="{y + 13}">{v:.3g}</text></g>',
        ]
    return _svg(12 + ROW * len(rows), body, test_id)


def differences(
    doc: dict[str, Any], keys: Sequence[str], labels: dict[str, str], test_id: str = "diff"
) -> str:
    """The what-if's paired differences B − A with their 95% intervals; significant ones in orange."""
    events = doc["events"]
    extent = max([0.05, *(max(abs(events[k]["ci95"][0]), abs(events[k]["ci95"][1])) for k in keys)])
    half = (WIDTH - LABEL - 30) / 2
    mid = LABEL + half
    body = [f'<line x1="{mid}" x2="{mid}" y1="0" y2="{12 + ROW * len(keys)}" stroke="{GREY}"/>']
    for i, k in enumerate(keys):
        e = events[k]
        y = 6 + i * ROW
        lo, hi = e["ci95"]
        color = ORANGE if e["significant"] else GREY
        label = labels.get(k, k)
        tip = escape(
            f"{label}: {100 * e['a']:.1f}% → {100 * e['b']:.1f}%, difference {100 * e['diff']:+.1f} points "
            f"(95% interval {100 * lo:+.1f} to {100 * hi:+.1f}){' — significant' if e['significant'] else ''}"
        )
        x0, x1 = sorted((mid, mid + half * e["diff"] / extent))
        body += [
            f'<g><title>{tip}</title><text x="{LABEL - 6}" y="{y + 13}" text-anchor="end">'
            f"{escape(_short(label))}{' *' if e['significant'] else ''}</text>",
            f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(0.5, x1 - x0):.1f}" height="{ROW - 10}" '
            f'fill="{color}"/>',
            f'<line x1="{mid + half * lo / extent:.1f}" x2="{mid + half * hi / extent:.1f}" '
            f'y1="{y + ROW / 2 - 2}" y2="{y + ROW / 2 - 2}" stroke="black"/></g>',
        ]
    return _svg(12 + ROW * len(keys), body, test_id)


def over_time(
    series: Mapping[str, Sequence[tuple[str, float, float, float]]],
    labels: Mapping[str, str],
    test_id: str = "time",
) -> str:
    """P(event by date) lines with 95% bands; every point hoverable."""
    dates = sorted({d for pts in series.values() for d, *_ in pts})
    height, left, top, plot_h = 300, 50, 10, 220
    plot_w = WIDTH - left - 200
    if not dates:
        return _svg(20, ['<text x="10" y="14">no dated events</text>'], test_id)

    def x(d: str) -> float:
        return left + (plot_w * dates.index(d) / max(1, len(dates) - 1))

    def y(p: float) -> float:
        return top + plot_h * (1 - p)

    colors = [BLUE, ORANGE, "#2ca02c", RED, "#9467bd", "#8c564b", "#e377c2"]
    body = [f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{GREY}"/>']
    for p in (0, 0.5, 1):
        body.append(f'<text x="{left - 6}" y="{y(p) + 4:.1f}" text-anchor="end">{p:.0%}</text>')
    for i, d in enumerate(dates):
        body.append(
            f'<text x="{x(d):.1f}" y="{top + plot_h + 16 + 12 * (i % 2)}" text-anchor="middle">'
            f"{escape(d)}</text>"
        )
    for n, (key, pts) in enumerate(series.items()):
        c = colors[n % len(colors)]
        band = [f"{x(d):.1f},{y(hi):.1f}" for d, _, _, hi in pts] + [
            f"{x(d):.1f},{y(lo):.1f}" for d, _, lo, _ in reversed(pts)
        ]
        line = " ".join(f"{x(d):.1f},{y(p):.1f}" for d, p, _, _ in pts)
        body += [
            f'<polygon points="{" ".join(band)}" fill="{c}" fill-opacity="0.2"/>',
            f'<polyline points="{line}" fill="none" stroke="{c}" stroke-width="2"/>',
        ]
        label = labels.get(key, key)
        for d, p, lo, hi in pts:
            tip = escape(f"{label} by {d}: {100 * p:.1f}% (95% interval {100 * lo:.1f}–{100 * hi:.1f}%)")
            body.append(
                f'<circle cx="{x(d):.1f}" cy="{y(p):.1f}" r="4" fill="{c}"><title>{tip}</title></circle>'
            )
        body.append(
            f'<text x="{left + plot_w + 10}" y="{top + 14 + 16 * n}" fill="{c}">'
            f"{escape(_short(label, 30))}</text>"
        )
    return _svg(height, body, test_id)


def positions(rows: Sequence[dict[str, Any]], test_id: str = "picture") -> str:
    """Per issue, each party's ideal (dot) and red line (bar) on the issue's 0..1 scale."""
    span = WIDTH - LABEL - 40
    body, y = [], 4
    for row in rows:
        body.append(
            f'<text x="4" y="{y + 14}" font-weight="bold">{escape(_short(row["name"], 60))}</text>'
            f'<text x="{LABEL}" y="{y + 14}" fill="{GREY}">0 = {escape(_short(row["low"], 40))}</text>'
        )
        y += 20
        for m in row["marks"]:
            tip = escape(
                f"{m['party']} on {row['name']}: ideal {m['ideal']:.2f}, red line {m['red_line']:.2f}"
            )
            body += [
                f'<g><title>{tip}</title><text x="{LABEL - 6}" y="{y + 13}" text-anchor="end">'
                f"{escape(_short(m['party']))}</text>",
                f'<line x1="{LABEL}" x2="{LABEL + span}" y1="{y + 9}" y2="{y + 9}" stroke="#ddd"/>',
                f'<rect x="{LABEL + span * m["red_line"] - 2:.1f}" y="{y + 1}" width="4" height="16" '
                f'fill="{RED}"/>',
                f'<circle cx="{LABEL + span * m["ideal"]:.1f}" cy="{y + 9}" r="5" fill="{BLUE}"/></g>',
            ]
            y += ROW
        body.append(
            f'<text x="{LABEL + span}" y="{y + 10}" text-anchor="end" fill="{GREY}">'
            f"1 = {escape(_short(row['high'], 40))}</text>"
        )
        y += 22
    return _svg(y + 4, body, test_id)


def _short(text: str, n: int = 44) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"
