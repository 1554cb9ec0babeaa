"""The installed Whoosh has every private name searchlib's adapter uses, in the shape it expects."""

from __future__ import annotations

import pytest
import whoosh

from searchlib._engine import whoosh_private


def test_the_installed_whoosh_is_the_one_searchlib_reads_and_writes() -> None:
    problem = whoosh_private.compatibility_problem()
    assert problem is None, problem


def test_an_incompatible_whoosh_is_named_with_what_it_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    from whoosh.codec import whoosh3

    monkeypatch.setattr(whoosh, "__version__", (2, 8, 0))
    monkeypatch.delattr(whoosh3.W3PerDocReader, "_cached_reader")
    problem = whoosh_private.compatibility_problem()
    assert problem == "searchlib needs Whoosh 2.7.4; found 2.8.0: W3PerDocReader._cached_reader"


def test_no_other_module_reaches_into_whoosh() -> None:
    """Private Whoosh names are used in the adapter only (the segments' bytes are read in postings.py). Names
    searchlib also gives its own attributes (``_total``, ``_buf``) are not searched for."""
    import ast
    from pathlib import Path

    package = Path(whoosh_private.__file__).resolve().parents[1]
    private = {"_terms", "_perdoc", "_postfile", "_tindex", "_codec", "_fieldmap", "_keycoder", "_struct"}
    private |= {"_added", "_tempstorage", "_finalize_segment", "_close_segment", "_commit_toc", "_finish"}
    private |= {"_field_B", "_btexts", "_segments", "_write_hashes", "_retype", "_lenfield", "_cached_reader"}
    found = []
    for path in package.rglob("*.py"):
        if path.name == "whoosh_private.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = node.attr if isinstance(node, ast.Attribute) else None  # x._name, or getattr(x, "_name")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                name = node.value
            if name in private:
                found.append(f"{path.relative_to(package)}:{node.lineno}: {name}")
    assert found == []
