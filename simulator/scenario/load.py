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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulator.errors import Problem, ScenarioError, UserError, printable
from simulator.scenario.datasets import check_dataset_citations
from simulator.scenario.params import DIST_KEYS, PROVENANCE_KEYS
from simulator.scenario.paths import (
    PARAM_FORMS,
    apply_override,
    child_type,
    is_param,
    suggest,
    type_at,
    valid_keys,
)
from simulator.scenario.schema import Scenario
from simulator.scenario.sources import SeedLibrary, normalize
from simulator.scenario.yamlsafe import MAX_BYTES, Document, load_yaml

Loc = tuple[str | int, ...]
Where = tuple[str, int, int]

MAX_EXTENDS_DEPTH = 10
DEFAULT_SEEDS = "../seeds"


class Located:
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
    max_bytes: int = MAX_BYTES,
) -> Scenario:
    """Load, merge, override, validate and source-check a scenario file.

    Args:
        path: The scenario YAML file, or the name of a shipped scenario (``"istanbul_2025"``,
            ``"whatif_putin_attends"``): a name that is not a file in the current folder is looked
            up among the scenarios installed with negsim, so a notebook works from any folder.
        overrides: ``KEY=VALUE`` strings, ``KEY`` a dotted path into the scenario.
        check_sources: Check every quote against the seed articles (on by default).
        allow_outside: Let ``extends:`` name files outside the scenario's folder tree.
        labels: How each override is named in messages (default ``--set[N]``).
        max_bytes: The largest file read (a run's own ``scenario.resolved.yaml`` may be larger
            than the file the user wrote: :data:`~simulator.scenario.yamlsafe.RESOLVED_MAX_BYTES`).
        as_of: Forecast as of this date (``YYYY-MM-DD[THH:MM]``): parameters, initial signals,
            commitments, factors and structural inputs quoting seeds published later use their
            ``as_of:`` fallback, or the scenario is refused (:mod:`simulator.scenario.asof`).
            ``None`` (the default) uses the cut-off the scenario declares (``as_of:`` at its
            top), if any: a scenario that says it is a forecast as of a date is one wherever it
            is loaded. ``""`` applies no cut-off: for a run's ``scenario.resolved.yaml``, which is
            the scenario after its cut-off was applied.

    Raises:
        ScenarioError: With one located problem per mistake.
    """
    path = shipped_or_path(path)
    root = None if allow_outside else _tree(path)
    located = _load_with_extends(path, depth=0, chain=(), root=root, limit=max_bytes)
    for i, text in enumerate(overrides, start=1):
        label = labels[i - 1] if i - 1 < len(labels) else f"--set[{i}]"
        apply_override(located, text, label)
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
            scenario.datasets, _sources(located.data, ()), located.data, located.problem, path.parent, root
        )
        if problems:
            raise ScenarioError(problems)
    if as_of is None and scenario.as_of and not scenario.cut_off_applied:
        as_of = scenario.as_of
    if as_of:
        from simulator.scenario.asof import as_of_data

        # An input the caller set (--set) is theirs, not the article's: it stays as set.
        overridden = [tuple(text.split("=", 1)[0].strip().split(".")) for text in overrides]
        data, problems = as_of_data(scenario, located.data, seeds_dir, as_of, located.problem, overridden)
        if problems:
            raise ScenarioError(problems)
        scenario = _validate(Located(data, located.where, located.root))
    scenario._seeds_dir = seeds_dir
    scenario._path = path
    return scenario


def shipped_or_path(path: str | Path) -> Path:
    """``path`` as given when it exists (or names a folder), else the shipped scenario so named.

    A bare name that is neither raises a one-line :class:`UserError` listing the shipped names.
    """
    from simulator.scenario.shipped import find_scenario, shipped_scenarios

    text = str(path)
    found = find_scenario(text)
    if found.exists() or "/" in text or "\\" in text or text.endswith((".yaml", ".yml")):
        return found
    names = list(shipped_scenarios())
    close = difflib.get_close_matches(text, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    shipped = ", ".join(names)
    message = f"no file '{text}' and no shipped scenario of that name{hint} (shipped: {shipped})"
    raise UserError(printable(message))


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


def _load_with_extends(
    path: Path, depth: int, chain: tuple[Path, ...], root: Path | None = None, limit: int = MAX_BYTES
) -> Located:
    display = str(path)
    doc = load_yaml(path, display=display, limit=limit)
    if not isinstance(doc.data, dict):
        kind = "empty" if doc.data is None else type(doc.data).__name__
        raise ScenarioError.single(display, 1, 1, f"a scenario must be a mapping (this one is {kind})")
    data: dict[str, Any] = doc.data
    where = {loc: (display, *pos) for loc, pos in doc.positions.items()}
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return Located(data, where, (display, 1, 1))
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
    if is_param(tp):
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


def _validate(located: Located) -> Scenario:
    try:
        scenario = Scenario.model_validate(located.data, context={"defer_references": True})
    except ValidationError as exc:
        raise ScenarioError(_pydantic_problems(exc, located)) from None
    problems = [located.problem(loc, msg) for loc, msg in scenario.reference_problems()]
    if problems:
        raise ScenarioError(problems)
    return scenario


def _pydantic_problems(exc: ValidationError, located: Located) -> list[Problem]:
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
            if key in valid:
                # One branch of a union (a replacement, or {absent: true, ...}) does not know a key
                # the other one takes: the other branch's own error says what is wrong.
                if len(errors) > 1:
                    continue
                msg = f"'{key}' cannot be combined with the other keys given here"
            else:
                msg = f"unknown key '{key}'{suggest(key, valid)}"
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
        elif kind == "model_type" and is_param(type_at(Scenario, loc)):
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
            node = node[part]
            out.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and _looks_like_field(part):
            return tuple(out), part
    return tuple(out), None


def _looks_like_field(part: str) -> bool:
    # pydantic puts union branch tags such as 'Source' or 'list[Source]' into locations.
    return part.isidentifier() and part.islower()


def check_quotes(scenario: Scenario, located: Located, seeds_dir: Path) -> list[Problem]:
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
            known = ", ".join(library.ids()) or (
                f"none found in {seeds_dir}; the scenario's 'seeds:' names its folder of articles, "
                "relative to the scenario file"
            )
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


__all__ = ["Document", "check_quotes", "load_scenario", "merge"]
