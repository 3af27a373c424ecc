"""Loading a scenario: YAML -> ``extends:`` -> ``--set`` -> schema -> references -> sources.

Every problem a user can make is collected with the file, line and column it came from and raised
as one :class:`~simulator.errors.ScenarioError`, so ``negsim validate`` can print them all at once.
Positions survive the merge of a what-if file with the file it extends (a value is reported where
it was written) and ``--set`` overrides are reported as ``--set[N]:1:col``.

Example:
    >>> scenario = load_scenario("scenarios/istanbul_2025.yaml", ["protocol.rounds=4"])  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import os
import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from simulator.errors import Problem, ScenarioError, printable
from simulator.scenario.datasets import check_dataset_citations
from simulator.scenario.params import DIST_KEYS, PROVENANCE_KEYS, Param
from simulator.scenario.schema import Scenario
from simulator.scenario.sources import SeedLibrary, normalize
from simulator.scenario.yamlsafe import Document, load_yaml, parse_yaml

Loc = tuple[str | int, ...]
Where = tuple[str, int, int]

MAX_EXTENDS_DEPTH = 10
DEFAULT_SEEDS = "../seeds"
SET_ASSUMPTION = "set on the command line with --set"


class _Located:
    """Merged scenario data with the file position each key path was written at."""

    def __init__(self, data: dict[str, Any], where: dict[Loc, Where], root: Where) -> None:
        self.data = data
        self.where = where
        self.root = root

    def at(self, loc: Sequence[str | int]) -> Where:
        loc = tuple(loc)
        while loc:
            if loc in self.where:
                return self.where[loc]
            loc = loc[:-1]
        return self.where.get((), self.root)

    def problem(self, loc: Sequence[str | int], message: str) -> Problem:
        path, line, col = self.at(loc)
        return Problem(path, line, col, message)


def load_scenario(
    path: str | Path,
    overrides: Sequence[str] = (),
    *,
    check_sources: bool = True,
    allow_outside: bool = False,
    labels: Sequence[str] = (),
    as_of: str | None = None,
) -> Scenario:
    """Load, merge, override, validate and source-check a scenario file.

    Args:
        path: The scenario YAML file.
        overrides: ``KEY=VALUE`` strings, ``KEY`` a dotted path into the scenario.
        check_sources: Check every quote against the seed articles (on by default).
        allow_outside: Let ``extends:`` name files outside the scenario's folder tree.
        labels: How each override is named in messages (default ``--set[N]``).
        as_of: Forecast as of this date (``YYYY-MM-DD[THH:MM]``): parameters quoting seeds
            published later use their ``as_of:`` fallback, or the scenario is refused
            (:mod:`simulator.scenario.asof`).

    Raises:
        ScenarioError: With one located problem per mistake.
    """
    path = Path(path)
    root = None if allow_outside else _tree(path)
    located = _load_with_extends(path, depth=0, chain=(), root=root)
    for i, text in enumerate(overrides, start=1):
        label = labels[i - 1] if i - 1 < len(labels) else f"--set[{i}]"
        _apply_override(located, text, label)
    scenario = _validate(located)
    if "\x00" in scenario.seeds:
        raise ScenarioError([located.problem(("seeds",), "seeds: a folder name cannot hold a NUL byte")])
    try:
        seeds_dir = (path.parent / scenario.seeds).resolve()
    except (OSError, ValueError) as exc:
        raise ScenarioError([located.problem(("seeds",), f"seeds: cannot use this folder ({exc})")]) from None
    if check_sources:
        problems = list(check_quotes(scenario, located, seeds_dir))
        problems += check_dataset_citations(
            scenario.datasets, _sources(located.data, ()), located.data, located.problem, path.parent
        )
        if problems:
            raise ScenarioError(problems)
    if as_of is not None:
        from simulator.scenario.asof import as_of_data, late_entries

        data, problems = as_of_data(scenario, located.data, seeds_dir, as_of, located.problem)
        if problems:
            raise ScenarioError(problems)
        scenario = _validate(_Located(data, located.where, located.root))
        scenario._late_entries = late_entries(scenario, seeds_dir, as_of)
    scenario._seeds_dir = seeds_dir
    scenario._path = path
    return scenario


def _tree(path: Path) -> Path:
    """The scenario's folder tree, where ``extends:`` may look without ``--allow-outside``.

    It is the folder that holds both the scenario file and its seeds folder (a relative
    ``seeds:``, by default ``../seeds``), so a what-if in a subfolder may extend ``../base.yaml``.
    """
    folder = _resolve(path, str(path), 1, 1).parent
    seeds = DEFAULT_SEEDS
    with contextlib.suppress(ScenarioError):
        data = load_yaml(path).data
        if isinstance(data, dict) and isinstance(data.get("seeds"), str):
            seeds = data["seeds"]
    if "\x00" in seeds or Path(seeds).is_absolute():
        return folder
    try:
        return Path(os.path.commonpath([folder, (folder / seeds).resolve()]))
    except (OSError, ValueError):
        return folder


def _resolve(path: Path, display: str, line: int, col: int) -> Path:
    """``path`` made absolute, or a located problem if the name cannot be a file's."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioError.single(display, line, col, f"cannot use this file name ({reason})") from None


def _load_with_extends(path: Path, depth: int, chain: tuple[Path, ...], root: Path | None = None) -> _Located:
    display = str(path)
    doc = load_yaml(path, display=display)
    if not isinstance(doc.data, dict):
        kind = "empty" if doc.data is None else type(doc.data).__name__
        raise ScenarioError.single(display, 1, 1, f"a scenario must be a mapping (this one is {kind})")
    data: dict[str, Any] = doc.data
    where = {loc: (display, *pos) for loc, pos in doc.positions.items()}
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return _Located(data, where, (display, 1, 1))
    line, col = doc.position(("extends",))
    if not isinstance(parent_name, str) or not parent_name.strip():
        raise ScenarioError.single(display, line, col, "extends: give a file name")
    if "\x00" in parent_name:
        raise ScenarioError.single(display, line, col, "extends: a file name cannot hold a NUL byte")
    shown = parent_name if len(parent_name) <= 200 else parent_name[:200] + "…"
    if not parent_name.lower().endswith((".yaml", ".yml")):
        raise ScenarioError.single(
            display, line, col, f"extends: '{shown}' is not a scenario file (only .yaml or .yml files)"
        )
    parent_path = _resolve(path.parent / parent_name, display, line, col)
    if root is not None and not parent_path.is_relative_to(root):
        raise ScenarioError.single(
            display,
            line,
            col,
            f"extends: '{shown}' is {parent_path}, outside the scenario's folder {root} "
            "(pass --allow-outside to allow it)",
        )
    if parent_path in chain or parent_path == _resolve(path, display, line, col):
        raise ScenarioError.single(
            display, line, col, f"extends: '{parent_name}' leads back to this file (a cycle)"
        )
    if depth >= MAX_EXTENDS_DEPTH:
        raise ScenarioError.single(display, line, col, "extends: chain is too long")
    try:
        regular = parent_path.is_file()
    except OSError as exc:
        raise ScenarioError.single(
            display, line, col, f"extends: cannot use '{shown}' ({exc.strerror})"
        ) from None
    if not regular:
        what = "not a regular file" if parent_path.exists() else "no such file"
        raise ScenarioError.single(
            display,
            line,
            col,
            f"extends: {what} '{shown}' (looked for {parent_path}, relative to the folder of {display})",
        )
    parent = _load_with_extends(parent_path, depth + 1, (*chain, path.resolve()), root)
    if "seeds" not in data:
        # A relative seeds folder belongs to the file that relies on it: the base file.
        base_seeds = parent.data.get("seeds", DEFAULT_SEEDS)
        parent.data["seeds"] = _rebase(base_seeds, parent_path.parent, path.parent)
    parent.data = merge(parent.data, data)
    parent.where.update(where)
    parent.root = (display, 1, 1)
    return parent


def merge(base: dict[str, Any], change: dict[str, Any], tp: Any = None) -> dict[str, Any]:
    """Deep-merge ``change`` into a copy of ``base``; lists and scalars are replaced.

    Inside a parameter (``tp`` is the schema type at this level, :class:`Scenario` at the top),
    giving any distribution key replaces the base's distribution, and giving ``source`` or
    ``assumption`` replaces the base's provenance, so a what-if can write
    ``{value: 1, assumption: ...}`` over a ``triangular`` with a quote.
    """
    tp = Scenario if tp is None else tp
    out = copy.deepcopy(base)
    if _is_param(tp):
        for keys in (DIST_KEYS, PROVENANCE_KEYS):
            if any(k in change for k in keys):
                for k in keys:
                    out.pop(k, None)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value, child_type(tp, key))
        else:
            out[key] = copy.deepcopy(value)
    return out


def _rebase(folder: str, old_base: Path, new_base: Path) -> str:
    """``folder`` written relative to ``old_base``, rewritten relative to ``new_base``."""
    if Path(folder).is_absolute():
        return folder
    return os.path.relpath((old_base / folder).resolve(), new_base.resolve())


def _apply_override(located: _Located, text: str, display: str) -> None:
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError.single(display, 1, 1, f"expected KEY=VALUE, got '{text}'")
    value = parse_yaml(raw, display).data if raw.strip() else None
    if raw.strip() == "":
        raise ScenarioError.single(display, 1, len(key) + 2, f"no value given for '{key}'")
    parts = key.split(".")
    node: Any = located.data
    tp: Any = Scenario
    col = 1
    for i, part in enumerate(parts):
        child_tp = child_type(tp, part)
        last = i == len(parts) - 1
        if child_tp is None:
            valid = valid_keys(tp, node)
            hint = _suggest(part, valid)
            raise ScenarioError.single(display, 1, col, f"'{'.'.join(parts[: i + 1])}' does not exist{hint}")
        if not _is_container(node):  # e.g. the file, or an earlier --set, wrote `protocol: 3`
            where = ".".join(parts[:i])
            raise ScenarioError.single(display, 1, col, f"'{where}' is a single value, so it has no '{part}'")
        index: str | int = int(part) if isinstance(node, list) and _is_index(part) else part
        container_is_collection = _is_collection(tp)
        if isinstance(node, list):
            if not isinstance(index, int) or index >= len(node):
                raise ScenarioError.single(
                    display,
                    1,
                    col,
                    f"'{'.'.join(parts[: i + 1])}': no item {part} (0..{len(node) - 1})",
                )
        elif isinstance(node, dict) and part not in node and container_is_collection:
            hint = _suggest(part, list(node))
            raise ScenarioError.single(display, 1, col, f"'{'.'.join(parts[: i + 1])}' does not exist{hint}")
        if last:
            dist = _as_distribution(value) if _is_param(child_tp) else None
            if _is_param(child_tp) and dist is None and isinstance(value, (str, bool)):
                what = "is not a finite number" if _is_float(value) else "is not a number"
                raise ScenarioError.single(
                    display,
                    1,
                    len(key) + 2,
                    f"'{key}' takes a number or a distribution, and '{raw.strip()}' {what}: "
                    f"expected {PARAM_FORMS}",
                )
            if dist is not None:
                target = node[index] if _has(node, index) else {}
                new = {k: v for k, v in (target or {}).items() if k not in DIST_KEYS}
                new.update(dist)
                new["assumption"] = SET_ASSUMPTION
                value = new
            node[index] = value
            loc = tuple(_loc(parts))
            for old in [w for w in located.where if w[: len(loc)] == loc]:
                del located.where[old]  # the old children's file positions no longer apply
            located.where[loc] = (display, 1, len(key) + 2)
            return
        if not _has(node, index) or node[index] is None:
            node[index] = {}
        node = node[index]
        tp = child_tp
        col += len(part) + 1


def _is_float(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


_NUMBER = r"\s*(?:\w+\s*=\s*)?([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
_DIST_TEXT = re.compile(
    r"^\s*(uniform|triangular|beta|normal)\s*\((.*)\)\s*(?:on\s*\[(.*)\])?\s*(?:,?\s*truncated)?\s*$"
)
#: What a parameter takes, in words (the forms ``negsim explain`` prints).
PARAM_FORMS = (
    "a number or a distribution, e.g. 0.4, uniform(0.2, 0.6), triangular(0.3, 0.5, 0.7), "
    "beta(a=2, b=5) on [0, 1] or normal(mean=0.5, sd=0.1)"
)


def _as_distribution(value: Any) -> dict[str, Any] | None:
    """A ``--set`` value for a parameter as its distribution keys, or None if it is neither a number
    nor a distribution written the way ``negsim explain`` prints it (``triangular(0.3, 0.5, 0.7)``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"value": value}
    if not isinstance(value, str) or not (m := _DIST_TEXT.match(value)):
        return None
    kind, inner, on = m.groups()
    args = [re.fullmatch(_NUMBER, a) for a in inner.split(",")]
    if not all(args):
        return None
    nums = [float(a.group(1)) for a in args if a]
    if kind in ("uniform", "triangular"):
        return {kind: nums} if on is None else None
    if kind == "normal" and len(nums) == 2 and on is None:
        return {"normal": {"mean": nums[0], "sd": nums[1]}}
    if kind == "beta" and len(nums) == 2:
        beta = {"a": nums[0], "b": nums[1]}
        if on is not None:
            bounds = [re.fullmatch(_NUMBER, b) for b in on.split(",")]
            if len(bounds) != 2 or not all(bounds):
                return None
            beta["low"], beta["high"] = (float(b.group(1)) for b in bounds if b)
        return {"beta": beta}
    return None


def _is_container(node: Any) -> bool:
    return isinstance(node, dict | list)


def _is_index(part: str) -> bool:
    """A list index: ASCII digits only ('²'.isdigit() is true, but int('²') fails)."""
    return part.isascii() and part.isdigit()


def _loc(parts: list[str]) -> list[str | int]:
    return [int(p) if _is_index(p) else p for p in parts]


def _has(node: Any, index: str | int) -> bool:
    if isinstance(node, list):
        return isinstance(index, int) and index < len(node)
    return isinstance(node, dict) and index in node


def _validate(located: _Located) -> Scenario:
    try:
        scenario = Scenario.model_validate(located.data, context={"defer_references": True})
    except ValidationError as exc:
        raise ScenarioError(_pydantic_problems(exc, located)) from None
    problems = [located.problem(loc, msg) for loc, msg in scenario.reference_problems()]
    if problems:
        raise ScenarioError(problems)
    return scenario


def _pydantic_problems(exc: ValidationError, located: _Located) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, int, int, str]] = set()
    errors = exc.errors(include_url=False)
    # A field typed `Source | list[Source]` reports one error per branch; keep the informative one.
    for err in errors:
        loc, missing = _data_loc(located.data, err["loc"])
        kind = err["type"]
        msg = str(err["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            key = str(err["loc"][-1])
            parent_tp = type_at(Scenario, loc[:-1] if loc and loc[-1] == key else loc)
            valid = valid_keys(parent_tp, None)
            msg = f"unknown key '{key}'{_suggest(key, valid)}"
        elif kind == "missing" and missing is None and isinstance(err["loc"][-1], int):
            msg = f"{loc[-1] if loc else 'list'}: too few values (item {err['loc'][-1] + 1} is missing)"
        elif kind == "missing":
            msg = f"missing required key '{missing}'"
        elif kind == "string_pattern_mismatch" and "pattern" in (err.get("ctx") or {}):
            shown = ascii(err["input"]) if not str(err["input"]).isascii() else f"'{err['input']}'"
            msg = (
                f"{shown} is not a valid id: use lowercase ASCII letters a-z, digits and _, "
                "starting with a letter"
            )
        elif kind in ("list_type", "model_type") and len(errors) > 1:
            continue
        elif kind == "model_type" and _is_param(type_at(Scenario, loc)):
            got = printable(repr(err.get("input")))
            msg = f"{loc[-1]}: expected {PARAM_FORMS}; got {got}"
        elif missing is None and loc:
            msg = f"{loc[-1]}: {msg}"
        p = located.problem(loc, msg)
        sig = (p.path, p.line, p.col, p.message)
        if sig not in seen:
            seen.add(sig)
            problems.append(p)
    return problems or [located.problem((), str(exc))]


def _data_loc(data: Any, loc: Sequence[str | int]) -> tuple[Loc, str | None]:
    """The part of a pydantic error location that exists in the data (drops union tags).

    Returns the existing path and, when the error is about a key that is not there, its name.
    """
    out: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]  # type: ignore[index]
            out.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and _looks_like_field(part):
            return tuple(out), part
    return tuple(out), None


def _looks_like_field(part: str) -> bool:
    # pydantic puts union branch tags such as 'Source' or 'list[Source]' into locations.
    return part.isidentifier() and part.islower()


def check_quotes(scenario: Scenario, located: _Located, seeds_dir: Path) -> list[Problem]:
    """A problem for every source whose seed is missing or whose quote is not in the seed."""
    library = SeedLibrary(seeds_dir)
    problems: list[Problem] = []
    for loc, source in _sources(located.data, ()):
        if "dataset" in source:
            continue  # checked by check_datasets
        seed_id, quote = source.get("seed"), source.get("quote")
        seed = library.find(str(seed_id))
        shown = normalize(str(quote))
        if len(shown) < 8:
            message = "quote is empty or too short (8 characters at least)"
            problems.append(located.problem((*loc, "quote"), message))
        elif seed is None:
            known = ", ".join(library.ids()) or f"none found in {seeds_dir}"
            problems.append(located.problem((*loc, "seed"), f"unknown seed '{seed_id}' (seeds: {known})"))
        elif not seed.contains(str(quote)):
            message = f"quote not found in seed '{seed.id}': \"{shown}\""
            near = seed.nearest(str(quote))
            if near is not None:
                passage, accents_only = near
                why = " (differs only in accents or case)" if accents_only else ""
                message += f'; nearest in the article{why}: "{passage}"'
            problems.append(located.problem((*loc, "quote"), message))
    return problems


def _sources(node: Any, loc: Loc) -> list[tuple[Loc, dict[str, Any]]]:
    found: list[tuple[Loc, dict[str, Any]]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "source":
                items = v if isinstance(v, list) else [v]
                for i, s in enumerate(items):
                    if isinstance(s, dict):
                        found.append(((*loc, k, i) if isinstance(v, list) else (*loc, k), s))
            else:
                found.extend(_sources(v, (*loc, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found.extend(_sources(v, (*loc, i)))
    return found


# --- walking the schema's types (for --set paths and "did you mean" hints) -----------------------


def _options(tp: Any) -> list[Any]:
    """The concrete types a (possibly Annotated, Optional or union) annotation allows."""
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return _options(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        out: list[Any] = []
        for a in get_args(tp):
            if a is not type(None):
                out.extend(_options(a))
        return out
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _is_param(tp: Any) -> bool:
    return any(o is Param for o in _options(tp))


def _is_collection(tp: Any) -> bool:
    return any(get_origin(o) is dict for o in _options(tp))


def child_type(tp: Any, key: str) -> Any | None:
    """The annotation of ``key`` inside a value of type ``tp``, or None if it cannot exist."""
    for o in _options(tp):
        if _is_model(o) and key in o.model_fields:
            return o.model_fields[key].annotation
        origin = get_origin(o)
        if origin is dict:
            return get_args(o)[1]
        if origin in (list, tuple) and _is_index(key):
            return get_args(o)[0]
    return None


def type_at(tp: Any, loc: Sequence[str | int]) -> Any | None:
    """The annotation at a location below ``tp`` (None when the location cannot exist)."""
    for part in loc:
        tp = child_type(tp, str(part))
        if tp is None:
            return None
    return tp


def valid_keys(tp: Any, node: Any) -> list[str]:
    """Keys that may appear in a value of type ``tp`` (the data's keys for id-keyed mappings)."""
    keys: list[str] = []
    for o in _options(tp):
        if _is_model(o):
            keys.extend(o.model_fields)
        elif get_origin(o) is dict and isinstance(node, dict):
            keys.extend(node)
    return keys


def _suggest(key: str, valid: Sequence[str]) -> str:
    if not valid:
        return ""
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{hint} (valid: {', '.join(valid)})"


__all__ = ["Document", "check_quotes", "load_scenario", "merge"]
