"""User-facing errors: every problem a user can cause is reported as ``path:line:col: message``.

A user mistake (bad YAML, a schema violation, a misquoted source, a bad ``--set``) is collected as
a :class:`Problem` and raised together in a :class:`ScenarioError`, which the CLI prints one line
per problem before exiting with code 2. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every character str.splitlines() breaks at, mapped to its escape (\n, \x85, \u2028, ...).
_LINE_BREAKS = str.maketrans({c: repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"})


@dataclass(frozen=True, slots=True)
class Problem:
    """One user mistake, located in a file (line and column are 1-based; 0 when unknown)."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        # One problem, one line: a key or quote written across lines is shown with escapes.
        return f"{self.path}:{self.line}:{self.col}: {self.message}".translate(_LINE_BREAKS)


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
