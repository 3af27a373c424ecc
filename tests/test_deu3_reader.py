"""The DEU III reader and the baselines on it.

``tests/data/deu3_slice.tsv`` is an unmodified extract of ``benchmarks/data/deu3/train.tsv`` (the
training half of the DEU III extract, provenance in ``benchmarks/data/deu3/README.md``): its header,
its capability line and every issue of six proposals, chosen to cover the cases a reader must
handle: d00032 and d00060 (co-decision, QMV), d95341 (one issue without an outcome), n00127
(consultation, unanimity), d06130 (an issue without a Commission position), d160397 (no outcome
at all). 20 issues, 16 with an outcome. Malformed files are made from it by editing one cell.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator.analysis.deu_baselines import (
    all_baselines,
    commission,
    compromise,
    median_state,
    weighted_median,
)
from simulator.errors import ScenarioError
from simulator.scenario.importers.deu3 import (
    CAPABILITY_RECORD,
    check_dataset_source,
    check_sources,
    parse_deu3,
    read_deu3,
    to_arrays,
)

DATA = Path(__file__).parent / "data"
SLICE = DATA / "deu3_slice.tsv"
TRAIN = Path(__file__).parents[1] / "benchmarks" / "data" / "deu3" / "train.tsv"


def _lines() -> list[str]:
    return SLICE.read_text(encoding="utf-8").splitlines()


def _edit(line: int, column: str, value: str) -> str:
    """The slice's text with one cell (1-based line, column name) replaced."""
    lines = _lines()
    names = [c.strip('"') for c in lines[0].split("\t")]
    fields = lines[line - 1].split("\t")
    fields[names.index(column)] = value
    lines[line - 1] = "\t".join(fields)
    return "\n".join(lines) + "\n"


def _col(line: int, column: str) -> int:
    """1-based character column where a cell starts in the slice."""
    lines = _lines()
    names = [c.strip('"') for c in lines[0].split("\t")]
    fields = lines[line - 1].split("\t")
    return 1 + sum(len(f) + 1 for f in fields[: names.index(column)])


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_deu3(text, "slice.tsv")
    return [str(p) for p in caught.value.problems]


def test_slice_counts_and_flags() -> None:
    data = read_deu3(SLICE)
    assert len(data.actors) == 30 and data.actors[:3] == ("com", "ep", "at")
    assert len(data.member_states) == 28
    assert len(data.issues) == 20
    assert len({i.proposal for i in data.issues}) == 6
    assert len(data.with_outcome()) == 16 and data.n_without_outcome == 4
    assert not data.issue("d95341i2").has_outcome


def test_a_cited_value_and_its_line() -> None:
    data = read_deu3(SLICE)
    first = data.issue("d00032i1")
    assert first.line == 3
    assert first.actor("de").position == 0.0 and first.actor("de").salience == 80.0
    assert first.actor("cr").position is None
    assert (first.reference_point, first.outcome) == (0.0, 100.0)
    assert (first.procedure, first.voting_rule, first.type) == ("COD", "QMV", "Reg")
    assert check_dataset_source(data, "d00032i1", "pde", 0) is None
    assert check_dataset_source(data, "d00032i1", "out", 100.0) is None
    assert check_dataset_source(data, "d00032i1", "pcr", None) is None
    wrong = check_dataset_source(data, "d00032i1", "pde", 40)
    assert wrong is not None and (wrong.line, wrong.col) == (3, _col(3, "pde"))
    assert check_dataset_source(data, "nope", "pde", 0) is not None
    with pytest.raises(ScenarioError, match="cited 1"):
        check_sources(data, [("d00032i1", "pcom", 100), ("d00032i1", "pcom", 1)])


def test_capability_line() -> None:
    data = read_deu3(SLICE)
    caps = dict(zip(data.actors, data.capabilities, strict=True))
    assert caps["com"] == caps["ep"] == caps["de"] == 4.1
    assert caps["mt"] == 0.02 and caps["uk"] == 2.64
    assert data.issue("d00060i1").actor("fr").capability == 2.8
    assert check_dataset_source(data, CAPABILITY_RECORD, "pfr", 2.8) is None


def test_consultation_unanimity_and_qmv_code_normalised() -> None:
    data = read_deu3(SLICE)
    assert (data.issue("n00127i1").procedure, data.issue("n00127i1").voting_rule) == ("CNS", "Unan")
    coded = parse_deu3(_edit(3, "counvte", '"QMV(10)"'))
    assert coded.issue("d00032i1").voting_rule == "QMV"


@pytest.mark.parametrize(
    ("line", "column", "value", "message"),
    [
        (4, "pde", "120", "position of de: 120 is outside 0-100"),
        (5, "sfr", '"high"', "salience of fr: expected a number"),
        (6, "isnr", '""', "isnr: missing"),
        (7, "proc", '"OLP"', "proc: expected COD or CNS"),
        (8, "out", "nan", "out (outcome): expected a finite number"),
        (9, "counvte", '"QMV?"', "counvte: expected QMV"),
    ],
)
def test_a_bad_cell_is_located(line: int, column: str, value: str, message: str) -> None:
    problems = _problems(_edit(line, column, value))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"slice.tsv:{line}:{_col(line, column)}: ")
    assert message in problems[0]


def test_a_repeated_issue_id_is_reported_where_it_repeats() -> None:
    problems = _problems(_edit(3, "isnr", '"d00032i2"'))
    assert problems == [f"slice.tsv:4:{_col(4, 'isnr')}: isnr: issue 'd00032i2' already on line 3"]


def test_wrong_number_of_columns_and_all_problems_together() -> None:
    lines = _lines()
    lines[3] = lines[3] + "\t5"
    lines[5] = "\t".join(lines[5].split("\t")[:-3])
    lines[6] = _edit(7, "pat", "-3").splitlines()[6]
    problems = _problems("\n".join(lines))
    assert len(problems) == 3
    assert (
        problems[0].startswith("slice.tsv:4:") and "expected 75 tab-separated fields, found 76" in problems[0]
    )
    assert problems[1] == f"slice.tsv:6:{len(lines[5]) + 1}: expected 75 tab-separated fields, found 72"
    assert problems[2].startswith(f"slice.tsv:7:{_col(7, 'pat')}: position of at: -3 is outside")


def test_bad_header_and_capability_line() -> None:
    lines = _lines()
    bad_header = "\n".join([lines[0].replace('"isnr"', '"issue"'), *lines[1:]])
    assert "header: expected column 5 to be 'isnr'" in _problems(bad_header)[0]
    bad_cap = _edit(2, "pde", '"big"')
    assert _problems(bad_cap)[0].startswith(f"slice.tsv:2:{_col(2, 'pde')}: capability of de")
    assert "unexpected value" in _problems(_edit(2, "rp", "5"))[0]


def test_arrays_and_baselines_on_the_slice() -> None:
    data = read_deu3(SLICE)
    arrays = to_arrays(data, data.with_outcome())
    assert arrays.positions.shape == (16, 30) and arrays.member.sum() == 28
    first = data.issue("d00032i1")
    w = [(a.capability or 0) * (a.salience or 0) for a in first.actors if a.position is not None]
    x = [a.position for a in first.actors if a.position is not None]
    expected = sum(wi * xi for wi, xi in zip(w, x, strict=True)) / sum(w)
    assert compromise(arrays.positions, arrays.saliences, arrays.capabilities)[0] == pytest.approx(expected)
    com = commission(arrays.positions, arrays.actors)
    assert np.isnan(com[arrays.issues.index("d06130i2")])
    assert set(all_baselines(arrays)) >= {"compromise", "median_state", "commission", "reference_point"}


def test_weighted_and_plain_medians_by_hand() -> None:
    x = np.array([[0.0, 50.0, 100.0, np.nan], [10.0, 20.0, 30.0, 40.0]])
    assert weighted_median(x, np.array([[1.0, 1.0, 5.0, 9.0], [1.0, 1.0, 1.0, 1.0]])).tolist() == [
        100.0,
        20.0,
    ]
    assert median_state(x, np.array([True, True, True, True])).tolist() == [50.0, 25.0]
    assert np.isnan(weighted_median(np.array([[np.nan, 5.0]]), np.array([[1.0, 0.0]])))[0]


def test_compromise_reproduces_the_readme_on_train() -> None:
    data = read_deu3(TRAIN)
    arrays = to_arrays(data, data.with_outcome())
    assert len(arrays.issues) == 182 and data.n_without_outcome == 4
    err = np.abs(compromise(arrays.positions, arrays.saliences, arrays.capabilities) - arrays.outcome)
    assert round(float(np.mean(err)), 1) == 24.6
    assert float(np.median(err)) == pytest.approx(21.45, abs=0.01)
    whole = np.abs(compromise(arrays.positions, arrays.saliences, arrays.capabilities, 0) - arrays.outcome)
    assert (round(float(np.mean(whole)), 1), round(float(np.median(whole)), 1)) == (24.6, 21.5)
    com = np.abs(commission(arrays.positions, arrays.actors) - arrays.outcome)
    assert round(float(np.nanmean(com))) == 38
