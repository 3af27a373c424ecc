"""The worlds file (``simulator/engine/worlds.py``): what ``worlds.parquet`` holds, its types, and
that the events read back from it are the ones the run counted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulator.api import start_run
from simulator.engine import worlds
from simulator.engine.tally import events_of
from simulator.scenario import events as ke
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import LEVELS, Scenario
from tests.conftest import ROOT

CAMPAIGN = ROOT / "scenarios" / "istanbul_2025_campaign.yaml"


@pytest.fixture(scope="module")
def campaign() -> Scenario:
    return load_scenario(CAMPAIGN)


@pytest.fixture(scope="module")
def run(campaign: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("worlds") / "run"
    start_run(campaign, out, runs=600, seed=4, chunk_size=200, figures=False)
    return out


def records_from(table: pa.Table) -> dict[str, np.ndarray]:
    """The file's columns as the model recorded them (names back to codes), as discovery reads them."""
    rec: dict[str, np.ndarray] = {}
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if pa.types.is_dictionary(col.type):
            order = [lv.value for lv in LEVELS] if ke.LEVEL_COLUMN.matches(name) else list(ke.OUTCOMES)
            codes = np.array([order.index(str(v)) for v in col.dictionary.to_pylist()], dtype=np.int8)
            rec[name] = codes[col.indices.to_numpy()]
        else:
            rec[name] = col.to_numpy(zero_copy_only=False)
    return rec


@pytest.mark.slow  # a campaign run of 600 worlds (several seconds under load)
def test_every_event_read_back_from_the_file_is_the_run_s_count(run: Path, campaign: Scenario) -> None:
    table = pq.read_table(run / "worlds.parquet")
    counts = {k: v["count"] for k, v in json.loads((run / "summary.json").read_text())["events"].items()}
    from_file = {k: int(v.sum()) for k, v in events_of(campaign, records_from(table)).items()}
    assert from_file == counts
    assert counts["agreement.any"] > 0 and counts["meeting.2.held"] > 0  # both sides of each are seen


@pytest.mark.slow  # a campaign run of 600 worlds (several seconds under load)
def test_columns_are_in_the_types_that_fit(run: Path) -> None:
    schema = pq.read_schema(run / "worlds.parquet")
    types = {f.name: f.type for f in schema}
    assert types["world"] == pa.int64() and types["chunk"] == pa.int32()
    params = [n for n in types if ke.PARAM.matches(n)]
    positions = [n for n in types if ke.POSITION.matches(n)]
    days = [n for n in types if any(f.matches(n) for f in worlds.DAYS)]
    assert params and positions and days
    assert {types[n] for n in params + positions} == {pa.float32()}
    assert {types[n] for n in days} == {pa.int32()}
    for name in ("level.russia", "outcome"):
        assert types[name] == pa.dictionary(pa.int8(), pa.string())
    for name in ("talks.direct", "agreed.ceasefire", "walkout.russia", "threat.eu_sanctions_no_ceasefire"):
        assert types[name] == pa.bool_()
    assert not [n for n in types if ke.CONCESSION.matches(n) or ke.TEXT.matches(n)]
    assert not [n for n, t in types.items() if t == pa.float64()]


@pytest.mark.slow  # a campaign run of 600 worlds (several seconds under load)
def test_days_keep_never_as_missing(run: Path) -> None:
    table = pq.read_table(run / "worlds.parquet", columns=["day.meeting.1", "day.agreement.ceasefire"])
    agreed = table.column("day.agreement.ceasefire")
    assert 0 < agreed.null_count < table.num_rows  # some worlds agree, most never do
    days = agreed.to_numpy(zero_copy_only=False)  # pandas and numpy read a missing day as NaN
    assert np.isnan(days).sum() == agreed.null_count
    assert np.nanmin(days) >= np.nanmin(table.column("day.meeting.1").to_numpy(zero_copy_only=False))


@pytest.mark.slow  # a campaign run of 600 worlds (several seconds under load)
def test_encodings_are_the_measured_ones(run: Path) -> None:
    meta = pq.ParquetFile(run / "worlds.parquet").metadata
    assert meta.num_row_groups == 3  # one per chunk
    group = meta.row_group(0)
    by_name = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    assert {c.compression for c in by_name.values()} == {"ZSTD"}
    assert "BYTE_STREAM_SPLIT" in by_name["param.parties.russia.outside_option"].encodings
    assert "DELTA_BINARY_PACKED" in by_name["world"].encodings
    assert "RLE_DICTIONARY" in by_name["level.russia"].encodings


def test_a_part_file_reads_back_as_written(tmp_path: Path) -> None:
    rows = pa.table({"world": np.arange(5, dtype=np.int64), "x": np.linspace(0, 1, 5, dtype=np.float32)})
    digest = worlds.write_part(tmp_path / "p.arrow", rows)
    assert worlds.read_part(tmp_path / "p.arrow").equals(rows)
    assert len(digest) == 64


def test_a_day_that_is_not_a_whole_number_is_a_bug(campaign: Scenario) -> None:
    rec = {
        ke.OUTCOME_COLUMN.key(): np.zeros(2, dtype=np.int8),
        ke.DAY_MEETING.key(1): np.array([1.5, np.nan]),
    }
    with pytest.raises(ValueError, match="not a whole number"):
        worlds.table(campaign, rec, 0, 0)


@pytest.mark.slow  # a campaign run of 600 worlds (several seconds under load)
def test_the_offers_protocol_s_paths_read_back_from_the_file(tmp_path: Path) -> None:
    scenario = load_scenario(ROOT / "scenarios" / "istanbul_2025.yaml", ["protocol.kind=offers"])
    out = tmp_path / "offers"
    summary = start_run(scenario, out, runs=600, seed=1, chunk_size=300, figures=False).summary
    table = pq.read_table(out / "worlds.parquet")
    from_file = {k: int(v.sum()) for k, v in events_of(scenario, records_from(table)).items()}
    assert from_file == {k: v["count"] for k, v in summary["events"].items()}
    assert any(ke.AGREEMENT_PATH.matches(k) for k in from_file)
