"""Dotted paths into a scenario: the ``--set KEY=VALUE`` walker and the schema's types along a path.

``--set parties.russia.attendance.legitimacy_cost=0.3`` walks the loaded YAML tree and the schema
together, part by part, so a wrong part is reported at its column with the keys that would have
been valid, and a parameter takes the forms ``negsim explain`` prints (``triangular(0.3, 0.5,
0.7)``). The types along a path (``type_at``) also tell ``sweep`` what a swept key holds.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from pydantic import BaseModel

from simulator.errors import ScenarioError
from simulator.scenario.params import DIST_KEYS, Param
from simulator.scenario.schema import Scenario
from simulator.scenario.yamlsafe import parse_yaml

if TYPE_CHECKING:
    from simulator.scenario.load import Located

#: The assumption a value set on the command line carries.
SET_ASSUMPTION = "set on the command line with --set"


def apply_override(located: Located, text: str, display: str) -> None:
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
            hint = suggest(part, valid)
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
            hint = suggest(part, list(node))
            raise ScenarioError.single(display, 1, col, f"'{'.'.join(parts[: i + 1])}' does not exist{hint}")
        if last:
            dist = _as_distribution(value) if is_param(child_tp) else None
            if is_param(child_tp) and dist is None and isinstance(value, (str, bool)):
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


def is_param(tp: Any) -> bool:
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


def suggest(key: str, valid: Sequence[str]) -> str:
    if not valid:
        return ""
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{hint} (valid: {', '.join(valid)})"
