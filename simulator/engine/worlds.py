"""The worlds file: what ``worlds.parquet`` holds, in which types, and how it is written.

One row per world. It carries what its readers use (scenario discovery, the positions and
campaign figures, ``Results.worlds`` in notebooks): the drawn parameters, the levels, the yes/no
records, the final positions and the outcome; a campaign's days. Two families of the model's
records are left out because they repeat what is there: ``concession.<party>.<issue>`` is
``max(0, (position - ideal) * sign(red_line - ideal))`` of the world's position and its drawn (or
stated) ideal and red line, and ``text.<issue>`` is the principals' position wherever the issue
was agreed. Both keep their means and quantiles in ``summary.json`` (the tallies read the records,
not this file).

Types, chosen to fit what each column holds (``docs/output-format.md``):

* yes/no records: ``bool``; levels and the outcome: dictionary-encoded names over ``int8`` codes
  (a categorical in pandas); the other codes (``rounds``, ``talks.end``, ``protocol``, ...): the
  model's own small integers;
* drawn parameters and positions: ``float32`` (about 7 significant digits, for inputs stated
  with two or three);
* a campaign's days: ``int32`` days from ``campaign.start``, null where the event never happened
  (pandas reads them as floats with NaN, as before).

Written by measurement (``benchmarks/bench_throughput.py``, figures in ``benchmarks/README.md``):
Parquet's default dictionary pass costs four times the rest of the write on columns of distinct
floats and makes the file larger, so only the names are dictionary-encoded; floats are stored with
``BYTE_STREAM_SPLIT`` (their exponent bytes then compress), ``world`` with delta encoding, all
under zstd at level 1.

While a run is under way each chunk's rows go to a part file in Arrow's IPC format (written and
read back without encoding), and :func:`merge_parts` encodes them to Parquet once, in chunk order.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from enum import Enum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from simulator import storage
from simulator.errors import UserError
from simulator.scenario import events as ke
from simulator.scenario.schema import LEVELS, Scenario

#: Model records not written to ``worlds.parquet`` (see the module's docstring for why).
LEFT_OUT: tuple[ke.Family, ...] = (ke.CONCESSION, ke.TEXT)
#: Records holding a day from ``campaign.start`` (NaN: never).
DAYS: tuple[ke.Family, ...] = (
    ke.DAY_AGREEMENT,
    ke.DAY_AGREEMENT_ANY,
    ke.DAY_SANCTIONS,
    ke.DAY_THREAT,
    ke.DAY_MEETING,
    ke.CAMPAIGN_DEADLINE,
)
#: The suffix of a chunk's part file.
PART_SUFFIX = ".arrow"
#: zstd's fastest level: within 1% of level 3's size here, at a fraction of its time.
ZSTD_LEVEL = 1

_LEVEL_NAMES = pa.array([lv.value for lv in LEVELS])
_OUTCOME_NAMES = pa.array(list(ke.OUTCOMES))


class Kind(Enum):
    """How a record column is written."""

    LEFT_OUT = "left out"
    LEVEL = "level name"
    OUTCOME = "outcome name"
    DAY = "day"
    AS_RECORDED = "as recorded (float64 as float32)"


@functools.lru_cache(maxsize=4096)
def kind_of(key: str) -> Kind:
    """How the record column ``key`` is written (matched once per key: a run has a few hundred)."""
    if any(f.matches(key) for f in LEFT_OUT):
        return Kind.LEFT_OUT
    if ke.LEVEL_COLUMN.matches(key):
        return Kind.LEVEL
    if key == ke.OUTCOME_COLUMN.key():
        return Kind.OUTCOME
    if any(f.matches(key) for f in DAYS):
        return Kind.DAY
    return Kind.AS_RECORDED


def stored(key: str) -> bool:
    """Whether the record column ``key`` is written to ``worlds.parquet``."""
    return kind_of(key) is not Kind.LEFT_OUT


def table(scenario: Scenario, rec: dict[str, np.ndarray], start: int, chunk: int) -> pa.Table:
    """One row per world of a chunk: ``world``, ``chunk``, then the stored records, typed.

    Example:
        >>> table(scenario, records, start=0, chunk=0).column("world")  # doctest: +SKIP
    """
    n = len(rec[ke.OUTCOME_COLUMN.key()])
    cols: dict[str, pa.Array] = {
        "world": pa.array(np.arange(start, start + n, dtype=np.int64)),
        "chunk": pa.array(np.full(n, chunk, dtype=np.int32)),
    }
    for key, v in rec.items():
        kind = kind_of(key)
        if kind is not Kind.LEFT_OUT:
            cols[key] = _column(key, kind, v)
    return pa.table(cols)


def _column(key: str, kind: Kind, v: np.ndarray) -> pa.Array:
    if kind is Kind.LEVEL:
        return pa.DictionaryArray.from_arrays(pa.array(v.astype(np.int8)), _LEVEL_NAMES)
    if kind is Kind.OUTCOME:
        return pa.DictionaryArray.from_arrays(pa.array(v.astype(np.int8)), _OUTCOME_NAMES)
    if kind is Kind.DAY:
        never = np.isnan(v)
        days = np.where(never, 0.0, v)
        if not np.array_equal(days, np.rint(days)):
            raise ValueError(f"{key}: a day that is not a whole number")  # a bug, not a user's mistake
        return pa.array(days.astype(np.int32), mask=never)
    if v.dtype == np.float64:
        return pa.array(v.astype(np.float32))
    return pa.array(v)


def _options(schema: pa.Schema) -> dict[str, object]:
    """``pq.ParquetWriter`` settings for a worlds table (measured: see the module's docstring)."""
    names = [f.name for f in schema if pa.types.is_dictionary(f.type)]
    encoding = {f.name: "BYTE_STREAM_SPLIT" for f in schema if pa.types.is_floating(f.type)}
    encoding["world"] = "DELTA_BINARY_PACKED"
    return {
        "use_dictionary": names,
        "column_encoding": encoding,
        "compression": "zstd",
        "compression_level": ZSTD_LEVEL,
    }


def write_part(path: Path, rows: pa.Table) -> str:
    """Write a chunk's rows to ``path`` (Arrow IPC, atomically); the file's SHA-256."""
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, rows.schema) as writer:
        writer.write_table(rows)
    data = sink.getvalue().to_pybytes()
    storage.write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def read_part(path: Path) -> pa.Table:
    """A chunk's rows as :func:`write_part` wrote them (a clear error when the file is damaged)."""
    try:
        with pa.OSFile(str(path)) as source:
            return ipc.open_file(source).read_all()
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise UserError(f"{path}: damaged part ({exc}); run with --resume") from None


def merge_parts(files: Sequence[Path], dest: Path) -> None:
    """Encode the parts ``files``, in order, into the Parquet file ``dest`` (atomically).

    Each part becomes one row group, so a reader can take the file a chunk at a time.
    """
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise UserError(f"{files[0].parent}: parts missing ({', '.join(missing[:3])}...); run with --resume")
    with storage.atomic_path(dest) as tmp:
        writer = None
        try:
            for f in files:
                rows = read_part(f)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, rows.schema, **_options(rows.schema))
                writer.write_table(rows)
        finally:
            if writer is not None:
                writer.close()
