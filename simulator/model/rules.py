"""Decision rules: whether a principal accepts an outcome, and whether the principals agree.

Every protocol reports agreement through these, so the events mean the same under every protocol.
A principal *accepts* a text on a group of issues (one issue under ``issue_by_issue``, the
non-separable issues as a package otherwise) when no issue of it lies beyond its red line and the
group is worth at least its reservation value ``B`` to it, its utility being the salience-weighted
mean of ``1 - |x - ideal|`` over the group's issues. Issues a principal has no position on do not
bind it. The scenario's rule then combines the principals' acceptances; today the only rule is
unanimity.

Example:
    >>> agreed = unanimity([accepts(text, a.ideal, a.red_line, a.salience, a.reservation_value(), groups)
    ...                     for a in principals])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Tolerance for "at least its reservation value" and "not beyond its red line".
TOL = 1e-9


def accepts(
    text: np.ndarray,
    ideal: np.ndarray,
    red_line: np.ndarray,
    salience: np.ndarray,
    reservation: np.ndarray,
    groups: Sequence[np.ndarray],
) -> np.ndarray:
    """Whether one principal accepts ``text`` on each issue, ``(worlds, issues)``.

    Args:
        text: The outcome, ``(worlds, issues)`` (NaN: nothing on the table, never accepted).
        ideal: Its ideal points (NaN where it has no position), ``(worlds, issues)``.
        red_line: Its red lines, ``(worlds, issues)``.
        salience: Its saliences, ``(worlds, issues)``.
        reservation: Its reservation value ``B``, ``(worlds,)``.
        groups: Issue indices accepted or refused together.

    Returns:
        ``(worlds, issues)``: the same answer on every issue of a group.
    """
    has = ~np.isnan(ideal)
    toward = np.sign(np.nan_to_num(red_line - ideal))
    beyond = has & ((text - red_line) * toward > TOL)  # past the red line, seen from the ideal
    utility = 1.0 - np.abs(text - ideal)
    out = np.zeros(text.shape, dtype=bool)
    for g in groups:
        sal = np.where(has[:, g], salience[:, g], 0.0)
        total = sal.sum(axis=1)
        u = np.where(total > 0, np.nansum(sal * utility[:, g], axis=1) / np.maximum(total, TOL), 1.0)
        ok = ~np.isnan(text[:, g]).any(axis=1) & ~beyond[:, g].any(axis=1) & (u >= reservation - TOL)
        out[:, g] = ok[:, None]
    return out


def unanimity(accepts: Sequence[np.ndarray]) -> np.ndarray:
    """Agreed where every principal accepts (the elementwise AND of their acceptances)."""
    return np.logical_and.reduce(list(accepts))
