"""User-facing errors: every problem a user can cause is reported as ``path:line:col: message``.

A user mistake (bad YAML, a schema violation, a misquoted source, a bad ``--set``) is collected as
a :class:`Problem` and raised together in a :class:`ScenarioError`, which the CLI prints one line
per problem before exiting with code 2. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every control character (C0 but tab, DEL, C1) and every character str.splitlines() breaks at,
# mapped to its escape (\n, \x1b, \u2028, ...): a message is one line, and nothing a user wrote
# can clear the screen, move the cursor or write the clipboard (OSC 52) of the terminal reading it.
_CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0))]
_ESCAPES = str.maketrans({c: repr(c)[1:-1] for c in [*_CONTROL, "\u2028", "\u2029"]})


def printable(text: str) -> str:
    """``text`` with every control and line-break character escaped (safe to print to a terminal)."""
    return text.translate(_ESCAPES)


@dataclass(frozen=True, slots=True)
class Problem:
    """One user mistake, located in a file (line and column are 1-based; 0 when unknown)."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        # One problem, one line: a key or quote written across lines is shown with escapes.
        return printable(f"{self.path}:{self.line}:{self.col}: {self.message}")


class UserError(Exception):
    """A mistake in the user's input: the CLI prints it and exits 2, without a traceback."""


class ScenarioError(UserError):
    """One or more located problems in a scenario file, an override or another input file."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, path: str, line: int, col: int, message: str) -> ScenarioError:
        """Build an error holding a single problem."""
        return cls([Problem(path, line, col, message)])
