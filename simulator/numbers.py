"""One format for probabilities everywhere negsim prints or draws them.

A probability is a percentage with a fixed number of decimals (one in tables and reports, none
in figures); a value that is not exactly 0 or 1 is never rounded to look like one: it reads
``<0.1%`` or ``>99.9%`` instead. An interval reads ``12.3% (95% CI 11.0%–13.6%)``.
"""

from __future__ import annotations


def pct(p: float | None, digits: int = 1) -> str:
    """``p`` as a percentage with ``digits`` decimals (``<0.1%``/``>99.9%`` near but not at 0/1)."""
    if p is None:
        return "—"
    text = f"{100 * p:.{digits}f}"
    smallest = f"{10.0**-digits:.{digits}f}"
    if p > 0 and float(text) == 0:
        return f"<{smallest}%"
    if p < 1 and float(text) == 100:
        return f">{100 - 10.0**-digits:.{digits}f}%"
    return f"{text}%"


def pct_ci(p: float, lo: float, hi: float, digits: int = 1) -> str:
    """``p`` and its 95% interval: ``12.3% (95% CI 11.0%–13.6%)``."""
    return f"{pct(p, digits)} (95% CI {pct(lo, digits)}–{pct(hi, digits)})"
