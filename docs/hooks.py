"""MkDocs hooks: the CLI reference is rendered from the argument parser at every build, so it cannot drift.

A page holding the line ``<!-- cli-reference -->`` gets, in its place, ``searchlib --help`` and each
subcommand's ``--help`` as the installed ``searchlib`` prints them.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

MARKER = "<!-- cli-reference -->"
#: Help is wrapped at this width whatever the terminal that builds the docs: the width of a page's column.
WIDTH = "76"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_reference() -> str:
    """Markdown: the top-level help, then a section per subcommand with its help, in the parser's order."""
    from searchlib.cli import _parser

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        parser = _parser()
        parts = ["```text", parser.format_help().rstrip(), "```"]
        for name, sub in _subcommands(parser).items():
            parts += ["", f"### searchlib {name}", "", "```text", sub.format_help().rstrip(), "```"]
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return "\n".join(parts)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return markdown.replace(MARKER, cli_reference()) if MARKER in markdown else markdown
