"""The command line for filters, facets, suggestions, similar papers, explanations and upkeep."""

from __future__ import annotations

import re

import orjson
import pytest

from searchlib.cli import main

HYBRID = "10.1136/bmjqs-2024-017268"
AUDIT = "10.1136/bmjqs-2024-018081"


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHLIB_INDEX", raising=False)
    main(["index", "--index", "ix", str(__import__("searchlib").bundled_records_path())])
    return tmp_path


def test_search_with_year_journal_sort_and_facets(in_tmp, capsys):
    capsys.readouterr()
    args = ["search", "care", "--index", "ix", "--year", "2025", "--sort", "newest"]
    assert main([*args, "--journal", "BMJ Quality & Safety", "--facets", "year,journal,section"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if re.match(r" *\d+ +\d+\.\d\d ", line)]
    assert "4 papers match" in out and [row[2] for row in rows] == ["2025"] * 4
    assert "year: 2025 (4)" in out and "journal: BMJ Quality & Safety (4)" in out and "section: " in out
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]


def test_sort_accepts_minus_date_with_equals(in_tmp, capsys):
    capsys.readouterr()
    assert main(["search", "care", "--index", "ix", "--sort=-date", "--json", "--limit", "2"]) == 0
    hits = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert hits[0]["doi"] == HYBRID and hits[0]["date"] >= hits[1]["date"]


def test_facets_go_to_stderr_when_records_go_to_stdout(in_tmp, capsys):
    capsys.readouterr()
    main(["search", "care", "--index", "ix", "--json", "--facets", "year"])
    captured = capsys.readouterr()
    assert all("doi" in orjson.loads(line) for line in captured.out.splitlines())
    assert captured.err.strip() == "year: 2025 (4); 2024 (4)"


def test_bad_year_and_facet_are_errors(in_tmp, capsys):
    with pytest.raises(SystemExit):
        main(["search", "care", "--index", "ix", "--year", "20x"])
    assert main(["search", "care", "--index", "ix", "--facets", "author"]) == 1
    assert "no facet 'author'" in capsys.readouterr().err


def test_did_you_mean(in_tmp, capsys):
    capsys.readouterr()
    main(["search", "randmized trail", "--index", "ix"])
    assert "Did you mean: randomised trial" in capsys.readouterr().out


def test_similar_and_explain(in_tmp, capsys):
    capsys.readouterr()
    assert main(["similar", AUDIT, "--index", "ix", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "Duration of antibiotic therapy" in out and "Audit and feedback" not in out
    assert main(["explain", "methods:interviews", HYBRID, "--index", "ix"]) == 0
    out = capsys.readouterr().out
    assert "idf" in out and "methods: 'interview'" in out


def test_delete_and_optimize(in_tmp, capsys):
    capsys.readouterr()
    assert main(["delete", HYBRID, "10.9/none", "--index", "ix"]) == 0
    assert "deleted 1 of 2" in capsys.readouterr().out
    assert main(["optimize", "--index", "ix"]) == 0
    assert "9 papers in one segment" in capsys.readouterr().out


def test_search_by_publication_type_and_language_with_their_facets(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    nbib = __import__("tests.conftest", fromlist=["FIXTURES"]).FIXTURES / "formats" / "pubmed_fields.nbib"
    assert main(["index", "--index", "ix", str(nbib)]) == 0
    blocks = nbib.read_text().strip().split("\n\n")
    want = [b for b in blocks if re.search(r"^MH  - \*?Humans$", b, re.M) and "\nPT  - Journal Article\n" in b]
    assert 0 < len(want) < len(blocks)
    capsys.readouterr()
    assert main(["search", "humans[mh]", "--index", "ix", "--type", "journal article", "--language", "eng",
                 "--facets", "pt,language"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert f"{len(want)} paper" in out and f"language: English ({len(want)})" in out
    assert f"pt: Journal Article ({len(want)})" in out
    assert main(["search", "humans[mh]", "--index", "ix", "--type", "preprint"]) == 0
    assert "0 papers match" in capsys.readouterr().out
    assert main(["search", "humans[mh]", "--index", "ix", "--facets", "nosuch"]) == 1
    assert "no facet 'nosuch'" in capsys.readouterr().err
