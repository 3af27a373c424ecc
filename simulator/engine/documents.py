"""Every JSON document negsim reads back, as a pydantic model: a hand-edited or damaged file is a
clear exit-2 message (``path: field: problem``), never a ``ValueError`` deep inside a reader.

Numbers are strict (a string or a boolean is never a number); unknown keys are kept, so a newer
negsim's files stay readable. The documents negsim writes itself (``summary.json``, the run
manifest) are built as these models and serialised with :func:`to_json`, so what is written is
exactly what is read back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from simulator.errors import UserError, printable

Num = Annotated[float, Field(strict=True)]
Prob = Annotated[float, Field(strict=True, ge=0.0, le=1.0)]
Count = Annotated[int, Field(strict=True, ge=0)]


class Doc(BaseModel):
    model_config = ConfigDict(extra="allow")  # numbers are strict field by field


class Event(Doc):
    p: Prob
    ci95: tuple[Prob, Prob]
    count: Count | None = None


class ScenarioRef(Doc):
    name: StrictStr = ""
    path: StrictStr | None = None
    sha256: StrictStr | None = None


class Stat(Doc):
    """A continuous record's statistics over the worlds where it is defined (``stats.<key>``):
    their number, mean and quantiles (``q05``, ``q50``, ``q95``; None where ``n`` is 0)."""

    n: Count
    mean: Num | None = None
    q05: Num | None = None
    q50: Num | None = None
    q95: Num | None = None


class ChunkSeed(Doc):
    """How one chunk of worlds was seeded (``SeedSequence(seed_entropy).spawn``), to replay it alone."""

    index: Count
    seed_entropy: StrictStr
    spawn_key: list[Count]


class Member(Doc):
    """One member of a model average (``stats.by_protocol.<kind>``): its share and its events."""

    weight: Num | None = None
    runs: Count | None = None
    share: Prob | None = None
    events: dict[str, Event] = Field(default_factory=dict)


class Summary(Doc):
    negsim_version: StrictStr | None = None
    scenario: ScenarioRef | None = None
    seed: Count | None = None
    runs: Count | None = None
    chunk_size: StrictInt | None = Field(default=None, ge=1)
    events: dict[str, Event]
    #: Per continuous record its :class:`Stat`; under ``by_protocol``, a model average's members.
    stats: dict[str, Stat | dict[str, Member]] = Field(default_factory=dict)
    chunks: list[ChunkSeed] | None = None


class Manifest(Doc):
    negsim_version: StrictStr
    runs: StrictInt = Field(ge=1)
    seed: Count
    chunk_size: StrictInt = Field(ge=1)
    sha256: StrictStr
    scenario_path: StrictStr | None = None
    seeds: StrictStr | None = None
    agents: dict[str, StrictStr] | None = None
    figures: StrictBool = True


class TallyDoc(Doc):
    n: Count
    counts: dict[str, Count]
    sums: dict[str, Num]
    ns: dict[str, Count]
    sketches: dict[str, dict[str, Count]]


class Part(Doc):
    """A finished chunk: which chunk of which run, its Parquet file's checksum, its tally."""

    run: StrictStr
    chunk: Count
    size: StrictInt = Field(ge=1)
    parquet_sha256: StrictStr
    tally: TallyDoc


class CompareEvent(Doc):
    a: Prob
    b: Prob
    diff: Annotated[float, Field(strict=True, ge=-1.0, le=1.0)]
    ci95: tuple[Num, Num]
    significant: StrictBool


class Side(Doc):
    name: StrictStr = "?"
    path: StrictStr | None = None


class Comparison(Doc):
    a: Side = Side()
    b: Side = Side()
    runs: Count | None = None
    seed: Count | None = None
    events: dict[str, CompareEvent]


class Sensitivity(Doc):
    method: StrictStr
    seed: Count | None = None
    rows: Count | None = None
    replicates: Count | None = None
    worlds: Count | None = None
    parameters: list[Any] = Field(default_factory=list)
    drivers: dict[str, StrictStr] = Field(default_factory=dict)
    skipped: dict[str, StrictStr] = Field(default_factory=dict)
    scenario: dict[str, Any] = Field(default_factory=dict)


class DiscoveryLimit(Doc):
    path: StrictStr
    label: StrictStr = ""
    low: Num
    high: Num
    range: tuple[Num, Num]


class DiscoveryBox(Doc):
    method: StrictStr
    coverage: Prob
    density: Prob
    mass: Prob
    limits: list[DiscoveryLimit] = Field(default_factory=list)


class Discovery(Doc):
    """``discovery.json`` (``negsim discover``): the chosen box and the second view."""

    event: StrictStr
    label: StrictStr = ""
    method: StrictStr
    worlds: Count
    event_worlds: Count
    base_rate: Prob
    box: DiscoveryBox
    other: DiscoveryBox | None = None
    sentence: StrictStr = ""
    whatif: list[StrictStr] = Field(default_factory=list)
    warning: StrictStr | None = None
    scenario: dict[str, Any] = Field(default_factory=dict)


def to_json(doc: BaseModel) -> str:
    """``doc`` as the JSON negsim writes (indented by 2, fields in declared order): only what was
    set when it was built, so an optional field nobody filled is left out rather than written null."""
    return json.dumps(doc.model_dump(mode="json", exclude_unset=True), indent=2)


def read_doc[M: BaseModel](path: Path, model: type[M], what: str) -> M:
    """Read and validate the JSON file ``path`` as ``model`` (a UserError naming the problem)."""
    return read_raw(path, model, what)[0]


def read_raw[M: BaseModel](path: Path, model: type[M], what: str) -> tuple[M, dict[str, Any]]:
    """Like :func:`read_doc`, and also the JSON object exactly as read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read {what} ({exc.strerror})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise UserError(printable(f"{path}: not a valid {what} (damaged JSON: {exc})")) from None
    return check_doc(data, model, f"{path}: not a valid {what}"), data


def check_doc[M: BaseModel](data: Any, model: type[M], prefix: str) -> M:
    """Validate already parsed JSON ``data`` as ``model``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(x) for x in err["loc"]) or "(top level)"
        raise UserError(printable(f"{prefix} ({where}: {err['msg']})")) from None
