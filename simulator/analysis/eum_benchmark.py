"""The expected-utility model's benchmark: an actor table in, positions round by round out.

The table is a CSV with the header ``actor,c,x,s`` (name, capability, position, salience), one
actor per line, as in ``benchmarks/data/eum_ec_emissions/actors.csv`` (Bueno de Mesquita's EC
emission-standards example, as run by Scholz, Calbert and Smith 2011). Each round reports the
capability x salience weighted mean and (lower) weighted median of the positions and every
actor's position; the weights stay the inputs' ``c x s``.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import Problem, ScenarioError
from simulator.model.protocols.compromise import weighted_mean, weighted_median
from simulator.model.protocols.expected_utility import run_eum

HEADER = ("actor", "c", "x", "s")


def read_actors(path: str | Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Read an actor table; every mistake is reported as ``path:line:col: message``.

    Args:
        path: The CSV file.

    Returns:
        Names, capabilities, positions and saliences (in the file's order).

    Raises:
        ScenarioError: On an unreadable file, a wrong header, a bad or missing value, a duplicate
            actor, fewer than two actors, a negative capability or a salience outside ``[0, 1]``.
    """
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError.single(where, 0, 0, f"cannot read the actor table: {exc}") from None
    rows = list(csv.reader(text.splitlines()))
    problems: list[Problem] = []
    if not rows or tuple(h.strip() for h in rows[0]) != HEADER:
        raise ScenarioError.single(where, 1, 1, f"the header must be {','.join(HEADER)}")
    names: list[str] = []
    values: list[tuple[float, float, float]] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            problems.append(Problem(where, line, 1, f"expected 4 fields (actor,c,x,s), found {len(row)}"))
            continue
        name = row[0].strip()
        parsed: list[float] = []
        for col, (field, cell) in enumerate(zip(HEADER[1:], row[1:], strict=True), start=2):
            try:
                value = float(cell)
            except ValueError:
                problems.append(Problem(where, line, col, f"{field} must be a number, not {cell.strip()!r}"))
                continue
            if not math.isfinite(value):
                problems.append(Problem(where, line, col, f"{field} must be finite"))
            elif field == "c" and value < 0:
                problems.append(Problem(where, line, col, "capability c must be >= 0"))
            elif field == "s" and not 0 <= value <= 1:
                problems.append(Problem(where, line, col, "salience s must be between 0 and 1"))
            parsed.append(value)
        if not name:
            problems.append(Problem(where, line, 1, "the actor needs a name"))
        elif name in names:
            problems.append(Problem(where, line, 1, f"actor {name!r} is listed twice"))
        if len(parsed) == 3:
            names.append(name)
            values.append((parsed[0], parsed[1], parsed[2]))
    if not problems and len(names) < 2:
        problems.append(Problem(where, len(rows), 1, "the table needs at least two actors"))
    if problems:
        raise ScenarioError(problems)
    c, x, s = (np.array(col, dtype=np.float64) for col in zip(*values, strict=True))
    return names, c, x, s


def eum_benchmark(path: str | Path, rounds: int = 10, json_out: str | Path | None = None) -> dict[str, Any]:
    """Run the expected-utility model on an actor table for ``rounds`` rounds (Q = 1).

    Args:
        path: The actor table (``actor,c,x,s``).
        rounds: Number of rounds ``R >= 0``; rounds ``0..R`` are reported.
        json_out: If given, the result is also written there as JSON.

    Returns:
        ``{"rounds": [{"round": k, "weighted_mean": .., "weighted_median": .., "positions":
        {actor: ..}}, ...]}``.

    Raises:
        ScenarioError: On a bad actor table.
        ValueError: On a negative number of rounds.
    """
    if rounds < 0:
        raise ValueError("rounds must be >= 0")
    names, c, x, s = read_actors(path)
    history = run_eum(x, c, s, rounds).positions[:, 0, :]
    means = weighted_mean(history, c, s)
    medians = weighted_median(history, c, s)
    result = {
        "rounds": [
            {
                "round": k,
                "weighted_mean": float(means[k]),
                "weighted_median": float(medians[k]),
                "positions": {name: float(v) for name, v in zip(names, history[k], strict=True)},
            }
            for k in range(rounds + 1)
        ]
    }
    if json_out is not None:
        Path(json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result
