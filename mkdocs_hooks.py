"""MkDocs hooks (``mkdocs.yml``): pages generated from the code at build time.

``docs/cli.md`` holds the marker ``<!-- negsim:cli -->``, replaced by every command's ``--help``
exactly as argparse prints it (so the reference cannot drift from the parsers), and
``docs/changelog.md`` the marker ``<!-- negsim:changelog -->``, replaced by ``CHANGELOG.md`` (kept
at the repository root, where people look for it). Build tooling only: nothing in ``simulator``
imports this.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent
CLI_MARK = "<!-- negsim:cli -->"
CHANGELOG_MARK = "<!-- negsim:changelog -->"
WIDTH = "100"  # columns argparse wraps help to, the same on every machine


def _commands(parser: argparse.ArgumentParser, prefix: str) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command and subcommand below ``parser``, in the order ``negsim --help`` lists them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from _commands(sub, f"{prefix} {name}")


def cli_reference() -> str:
    """The Markdown CLI reference: ``negsim --help``, then one section per (sub)command."""
    os.environ["COLUMNS"] = WIDTH
    from simulator.cli.app import build_parser

    parser = build_parser()
    parts = ["```text", parser.format_help().rstrip(), "```", ""]
    for name, sub in _commands(parser, "negsim"):
        parts += [f"## `{name}`", "", "```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(parts)


def changelog() -> str:
    """``CHANGELOG.md`` without its title, its links to ``docs/`` made relative to the site."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    body = text.split("\n", 1)[1] if text.startswith("# ") else text
    return body.replace("](docs/", "](")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill in the generated parts of a page (MkDocs calls this for every page)."""
    if CLI_MARK in markdown:
        markdown = markdown.replace(CLI_MARK, cli_reference())
    if CHANGELOG_MARK in markdown:
        markdown = markdown.replace(CHANGELOG_MARK, changelog())
    return markdown
