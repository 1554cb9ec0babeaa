"""The documentation's examples run and print what the pages say (doctest), from a scratch folder.

README.md and every page under docs/ holding a ``>>>`` example are run here, so a page cannot show output the
library no longer gives. The CLI reference is rendered from the argument parser when the site is built
(docs/hooks.py); the tests check that rendering too, since the site itself is built only in CI.
"""

from __future__ import annotations

import doctest
import importlib.util
from pathlib import Path

import pytest

import searchlib
import searchlib.analysis
from searchlib.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(p for p in DOCS.rglob("*.md") if ">>> " in p.read_text(encoding="utf-8"))]
#: Pages a user copies code from: each must hold examples that run.
MUST_RUN = {"README.md", "guide/python.md", "guide/queries.md", "guide/formats.md"}


def _name(page: Path) -> str:
    return str(page.relative_to(DOCS if page.is_relative_to(DOCS) else ROOT))


def test_the_pages_users_copy_from_have_examples() -> None:
    assert MUST_RUN <= {_name(p) for p in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_examples_run(page: Path, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = doctest.testfile(
        str(page), module_relative=False, optionflags=doctest.ELLIPSIS, encoding="utf-8", verbose=False
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) on {_name(page)} print something else"


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_shows_every_subcommand_and_option() -> None:
    page = _hooks().cli_reference()
    parser = _parser()
    subcommands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    for name, sub in subcommands.items():
        assert f"### searchlib {name}\n" in page
        for action in sub._actions:
            for option in action.option_strings:
                assert option in page, f"searchlib {name} {option} is missing from the CLI reference"


def test_the_cli_page_asks_for_the_generated_reference() -> None:
    hooks = _hooks()
    page = (DOCS / "guide" / "cli.md").read_text(encoding="utf-8")
    assert hooks.MARKER in page
    assert "### searchlib search" in hooks.on_page_markdown(page)


@pytest.mark.parametrize(("module", "page"), [(searchlib, "api.md"), (searchlib.analysis, "analysis.md")])
def test_the_api_reference_covers_every_public_name(module, page) -> None:
    text = (DOCS / "reference" / page).read_text(encoding="utf-8")
    missing = [name for name in module.__all__ if f"::: {module.__name__}.{name}\n" not in text]
    assert not missing, f"public names without an entry in docs/reference/{page}: {missing}"
