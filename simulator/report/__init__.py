"""``negsim report``: one self-contained HTML page of a run and of the analyses beside it.

The page needs nothing but itself: figures are embedded as ``data:`` URIs, the style sheet is
inline, there is no script and no link to anything outside the page. It shows the scenario (name,
description, as-of date, fingerprint), the run (seed, worlds, version), every event with its 95%
interval, the concession statistics, every figure of the run, where every parameter comes from
(the same entries as ``negsim explain``), and, for each further folder: a comparison
(``comparison.json``), another run (``summary.json``), a sensitivity analysis
(``sensitivity.json``) or a sweep (``sweep.parquet``). All text is HTML-escaped.

Example:
    >>> write_report(Path("runs/baseline"), [Path("runs/sens")], Path("report.html"))  # doctest: +SKIP
"""

from simulator.report.page import build_report, write_report
from simulator.report.reading import Run, read_run

__all__ = ["Run", "build_report", "read_run", "write_report"]
