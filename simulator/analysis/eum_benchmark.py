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
import os
from pathlib import Path
from typing import Any

import numpy as np

from simulator import storage
from simulator.errors import Problem, ScenarioError, UserError, printable
from simulator.inputs import MAX_TABLE_BYTES, read_text, strict_float, why_not_a_number
from simulator.model.protocols.compromise import weighted_mean, weighted_median
from simulator.model.protocols.expected_utility import run_eum
from simulator.sizes import Need, check

HEADER = ("actor", "c", "x", "s")
#: The largest magnitude of a capability or position: the model squares differences of positions
#: and multiplies them by capabilities, and beyond this the arithmetic overflows to NaN.
MAX_MAGNITUDE = 1e12
#: Memory of one round per actor: its position history, the round's utility arrays and its JSON.
BYTES_PER_ROUND_ACTOR = 400


def check_rounds(rounds: int, actors: int) -> None:
    """Refuse (with the estimate) more rounds than the machine can hold."""
    check(
        Need(
            f"--rounds {rounds:,} for {actors} actors", memory=(rounds + 1) * actors * BYTES_PER_ROUND_ACTOR
        ),
        "ask for fewer --rounds",
    )


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
    text = read_text(path, what="actor table")
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
            value = strict_float(cell)
            if value is None:
                shown = cell.strip() if len(cell.strip()) <= 24 else cell.strip()[:20] + "..."
                why = why_not_a_number(cell)
                if why == "a finite number":
                    message = f"{field} must be finite"
                else:
                    message = f"{field} must be {why}, not {shown!r}"
                problems.append(Problem(where, line, col, message))
                continue
            if abs(value) > MAX_MAGNITUDE:
                problems.append(
                    Problem(
                        where, line, col, f"{field} must be within ±{MAX_MAGNITUDE:g} (rescale the table)"
                    )
                )
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
    if not problems and not any(v[0] * v[2] > 0 for v in values):
        problems.append(Problem(where, 2, 1, "every actor's weight c x s is 0; at least one must be above 0"))
    if problems:
        raise ScenarioError(problems)
    c, x, s = (np.array(col, dtype=np.float64) for col in zip(*values, strict=True))
    return names, c, x, s


def eum_benchmark(
    path: str | Path, rounds: int = 10, json_out: str | Path | None = None, *, overwrite: bool = False
) -> dict[str, Any]:
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
    check_rounds(rounds, len(names))
    with np.errstate(all="ignore"):
        history = run_eum(x, c, s, rounds).positions[:, 0, :]
        means = weighted_mean(history, c, s)
        medians = weighted_median(history, c, s)
    if not (np.isfinite(history).all() and np.isfinite(means).all() and np.isfinite(medians).all()):
        raise UserError(
            printable(f"{path}: the model's arithmetic overflowed on this table's numbers; rescale them")
        )
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
        write_result(Path(json_out), result, overwrite=overwrite)
    return result


def write_result(path: Path, result: dict[str, Any], *, overwrite: bool = False) -> None:
    """Write ``result`` to ``path`` atomically; a file there is replaced only if it is an earlier
    result of this benchmark (a JSON object with just ``rounds``) or ``overwrite`` is given."""
    try:
        exists = os.path.lexists(path)
        if exists and path.is_dir():
            raise UserError(printable(f"{path}: --json must be a file name, and this is a folder"))
    except (OSError, ValueError) as exc:
        raise UserError(printable(f"{path}: cannot use this --json ({exc})")) from None
    if exists and not overwrite and not _earlier_result(path):
        raise UserError(printable(f"{path} already exists and is not an earlier result; pass --overwrite"))
    storage.write_text(path, json.dumps(result, indent=2, allow_nan=False) + "\n")


def _earlier_result(path: Path) -> bool:
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_TABLE_BYTES * 10:
        return False
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and set(doc) == {"rounds"}
