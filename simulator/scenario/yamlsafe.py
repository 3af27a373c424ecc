"""Safe, strict YAML loading with a source position for every node.

Scenario files are written by hand and sometimes come from other people, so loading them must be
safe and must not silently change what the user wrote. ``yaml.load`` and even ``yaml.safe_load``
fall short on several counts, so this module builds plain Python data itself, iteratively, from
PyYAML's event stream:

* No object construction ever: explicit tags (``!!python/object``, ``!foo``, ``!!str``) are
  refused rather than interpreted.
* No alias expansion: anchors, aliases and merge keys are refused the moment they are seen, so a
  "billion laughs" file fails instantly instead of expanding to gigabytes.
* YAML 1.2 core schema, not PyYAML's YAML 1.1: under 1.1 a party id ``no`` (Norway) becomes
  ``False``, ``on``/``off``/``yes`` become booleans, ``1_000`` an int and ``2025-05-14`` a date.
  Here only ``true``/``false`` are booleans, keys always stay strings, and dates stay strings.
* Duplicate keys are errors (PyYAML silently keeps the last one).
* Size and nesting depth are bounded, so hostile input cannot exhaust memory or the stack.

Every problem is raised as a :class:`~simulator.errors.ScenarioError` located at ``line:col``, and
the returned :class:`Document` maps each key path to the position the user wrote it at, so later
schema checks can report ``file:line:col`` too.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from simulator.errors import ScenarioError
from simulator.inputs import read_bytes

__all__ = ["MAX_BYTES", "MAX_DEPTH", "Document", "load_yaml", "parse_yaml"]

MAX_BYTES = 1_000_000
#: The limit for a file negsim wrote itself (a run's ``scenario.resolved.yaml``): writing a
#: scenario out in block style can make it several times larger than the file the user wrote.
RESOLVED_MAX_BYTES = 8 * MAX_BYTES
MAX_DEPTH = 64
_MAX_INT_DIGITS = 100

# The libyaml parser is much faster; PyYAML's pure-Python parser produces the same events.
_PARSER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_ANCHOR_MESSAGE = (
    "anchors and aliases are not allowed (they can make a small file expand enormously); write the value out"
)

_KeyPath = tuple[str | int, ...]

# Characters YAML allows in a stream (YAML 1.2, section 5.1); anything else is refused up front.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Control characters that YAML escapes ("\e", "\a", "\x9b") bring into a string after parsing:
# refused in every key and value, so no scenario text can drive the terminal that prints it.
_CONTROL_IN_STRING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_NULL = re.compile(r"null|Null|NULL|~|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"[-+]?([0-9]+)")
_INT8 = re.compile(r"0o([0-7]+)")
_INT16 = re.compile(r"0x([0-9a-fA-F]+)")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"([-+]?)\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")


@dataclass(frozen=True)
class Document:
    """A parsed YAML file: plain data plus the source position of every node.

    Attributes:
        path: Display name used in error messages.
        data: Plain Python data: ``dict`` (insertion-ordered, ``str`` keys), ``list``, ``str``,
            ``int``, ``float``, ``bool`` or ``None``.
        positions: Key path -> 1-based ``(line, col)``. For a mapping entry this is the position
            of its key; for a list item, of the item itself. The root ``()`` is always present.
    """

    path: str
    data: Any
    positions: dict[_KeyPath, tuple[int, int]]

    def position(self, keypath: Sequence[str | int]) -> tuple[int, int]:
        """Return the ``(line, col)`` of the node at ``keypath``.

        Args:
            keypath: Keys and list indices from the root.

        Returns:
            The node's position or, if it does not exist (e.g. a missing key), the position of its
            nearest existing ancestor.
        """
        path = tuple(keypath)
        while path not in self.positions:
            path = path[:-1]
        return self.positions[path]


def load_yaml(
    path: str | os.PathLike[str], *, display: str | None = None, limit: int = MAX_BYTES
) -> Document:
    """Read and parse the YAML file at ``path``.

    Args:
        path: The file to read.
        display: Name to use in error messages; defaults to ``str(path)``.

    Returns:
        The parsed document.

    Raises:
        ScenarioError: If the file cannot be read, is too large, or is not valid, allowed YAML.
    """
    name = str(path) if display is None else display
    raw = read_bytes(path, what="file", limit=limit, display=name)  # the one reader of user files
    return parse_yaml(raw, name, limit=limit)


def parse_yaml(text: str | bytes, display: str, *, limit: int = MAX_BYTES) -> Document:
    """Parse one YAML document under the strict rules described in the module docstring.

    Args:
        text: The YAML source; ``bytes`` must be UTF-8.
        display: Name to use in error messages.

    Returns:
        The parsed document; ``data`` is ``None`` for an empty file or empty document.

    Raises:
        ScenarioError: For any syntax error or refused construct, located at its line and column.
    """
    if isinstance(text, bytes):
        raw = text
        if len(raw) > limit:
            raise ScenarioError.single(display, 0, 0, _too_large(len(raw), limit))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, col = _byte_position(raw, exc.start)
            bad_byte = f"byte 0x{raw[exc.start]:02x} at offset {exc.start}"
            message = f"file is not valid UTF-8 text ({bad_byte})"
            raise ScenarioError.single(display, line, col, message) from None
    elif len(text) > limit // 4 and len(text.encode("utf-8")) > limit:
        raise ScenarioError.single(display, 0, 0, _too_large(len(text.encode("utf-8")), limit))
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, col = _char_position(text, bad.start())
        message = f"file contains a character YAML does not allow (U+{ord(bad.group()):04X})"
        raise ScenarioError.single(display, line, col, message)
    try:
        return _build(text, display)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
        if exc.context and exc.problem and exc.context_mark:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise ScenarioError.single(display, line, col, message) from None
    except yaml.YAMLError as exc:  # e.g. a ReaderError the check above did not anticipate
        raise ScenarioError.single(display, 1, 1, f"invalid YAML: {exc}") from None


class _Refused(Exception):
    """Raised inside the builder; located at the current event by the caller."""


class _Frame:
    """An open mapping or sequence while the tree is being built."""

    __slots__ = ("container", "first_lines", "key", "keypath")

    def __init__(self, container: dict[str, Any] | list[Any], keypath: _KeyPath) -> None:
        self.container = container
        self.keypath = keypath
        self.key: str | None = None  # mapping: key read, value pending
        self.first_lines: dict[str, int] = {}


def _build(text: str, display: str) -> Document:
    """Build the document from the event stream with an explicit stack (no recursion)."""
    positions: dict[_KeyPath, tuple[int, int]] = {(): (1, 1)}
    stack: list[_Frame] = []
    data: Any = None
    documents = 0
    here = (1, 1)
    parser = _PARSER(text)
    try:
        while parser.check_event():
            event = parser.get_event()
            here = (event.start_mark.line + 1, event.start_mark.column + 1)
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _Refused("only one YAML document is allowed per file; this starts a second")
                continue
            if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                stack.pop()
                continue
            if isinstance(event, yaml.AliasEvent):
                raise _Refused(_ANCHOR_MESSAGE)
            if not isinstance(event, yaml.NodeEvent):
                continue  # stream start/end, document end
            if event.anchor is not None:
                raise _Refused(_ANCHOR_MESSAGE)
            tag = getattr(event, "tag", None)
            if tag is not None:
                raise _Refused(f"tags are not allowed (found {tag!r}); write a plain value")
            is_scalar = isinstance(event, yaml.ScalarEvent)
            parent = stack[-1] if stack else None
            if parent is not None and isinstance(parent.container, dict) and parent.key is None:
                # This node is a mapping key: always a scalar, always kept as a string.
                if not isinstance(event, yaml.ScalarEvent):
                    raise _Refused("a mapping key must be a single value, not a mapping or a list")
                key = event.value
                _refuse_control(key, "a key")
                if key == "<<" and event.implicit[0]:
                    raise _Refused(f"merge keys ('<<') are not allowed; {_ANCHOR_MESSAGE}")
                if key in parent.first_lines:
                    first = parent.first_lines[key]
                    raise _Refused(f"duplicate key {key!r} (first defined at line {first})")
                parent.first_lines[key] = here[0]
                parent.key = key
                positions[(*parent.keypath, key)] = here
                continue
            if isinstance(event, yaml.ScalarEvent):
                _refuse_control(event.value, "a value")
                value: Any = _resolve(event.value) if event.implicit[0] else event.value
            elif len(stack) >= MAX_DEPTH:
                raise _Refused(f"nesting is too deep (more than {MAX_DEPTH} levels)")
            else:
                value = {} if isinstance(event, yaml.MappingStartEvent) else []
            # Attach the node to its parent (or make it the root) and record where it is.
            if parent is None:
                keypath: _KeyPath = ()
                data = value
                positions[()] = here
            elif isinstance(parent.container, dict):
                assert parent.key is not None
                keypath = (*parent.keypath, parent.key)
                parent.container[parent.key] = value
                parent.key = None
            else:
                keypath = (*parent.keypath, len(parent.container))
                parent.container.append(value)
                positions[keypath] = here
            if not is_scalar:
                stack.append(_Frame(value, keypath))
    except _Refused as exc:
        raise ScenarioError.single(display, *here, str(exc)) from None
    finally:
        parser.dispose()
    return Document(display, data, positions)


def _refuse_control(text: str, what: str) -> None:
    bad = _CONTROL_IN_STRING.search(text)
    if bad:
        code = f"U+{ord(bad.group()):04X}"
        raise _Refused(f"{what} contains a control character ({code}); only tab and newline are allowed")


def _resolve(value: str) -> Any:
    """Resolve a plain scalar under the YAML 1.2 core schema.

    Returns:
        ``None``, a ``bool``, ``int``, ``float`` or ``str``.

    Raises:
        _Refused: For an integer literal too long to convert safely.
    """
    if _NULL.fullmatch(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    for pattern, base in ((_INT10, 10), (_INT8, 8), (_INT16, 16)):
        match = pattern.fullmatch(value)
        if match:
            if len(match.group(1)) > _MAX_INT_DIGITS:
                raise _Refused(f"number is too large (more than {_MAX_INT_DIGITS} digits)")
            sign = -1 if value.startswith("-") else 1
            return sign * int(match.group(1), base)
    if _FLOAT.fullmatch(value):
        return float(value)
    match = _INF.fullmatch(value)
    if match:
        return -math.inf if match.group(1) == "-" else math.inf
    if _NAN.fullmatch(value):
        return math.nan
    return value


def _too_large(size: int, limit: int = MAX_BYTES) -> str:
    return f"file is too large ({size} bytes; the limit is {limit})"


def _char_position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, col) of character ``index`` in ``text``."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, col in characters) of byte ``offset`` in UTF-8 ``raw``."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    col = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, col


def is_plain_string(value: str) -> bool:
    """True when ``value`` written unquoted would be read back as this same string."""
    try:
        return isinstance(_resolve(value), str)
    except _Refused:
        return False


class SafeDumper(yaml.SafeDumper):
    """PyYAML's dumper, quoting every string that YAML 1.2 would read back as something else.

    PyYAML writes YAML 1.1 and leaves strings such as ``1e3`` or ``0o17`` unquoted; our YAML 1.2
    loader would read them as numbers, so a written scenario would not load back as it was.
    """


def _represent_str(dumper: Any, value: str) -> yaml.ScalarNode:
    style = None if is_plain_string(value) else "'"
    node: yaml.ScalarNode = dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)
    return node


SafeDumper.add_representer(str, _represent_str)

if yaml.__with_libyaml__:

    class FastDumper(yaml.CSafeDumper):
        """:class:`SafeDumper` with libyaml's emitter: the same text, about 4x faster (``negsim
        import deu3`` writes megabytes of YAML; the pure-Python emitter took minutes)."""

    FastDumper.add_representer(str, _represent_str)
    _DUMPER: type = FastDumper
else:  # pragma: no cover - PyYAML built without libyaml
    _DUMPER = SafeDumper


def dump_yaml(data: Any) -> str:
    """Write plain data as YAML that :func:`parse_yaml` reads back identically."""
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)
