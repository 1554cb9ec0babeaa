from __future__ import annotations

import pytest

from searchlib import LoadError, load_records
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"


def test_papers_and_their_ids():
    turing, dystopian, s2_only = load_records(FORMATS / "semanticscholar.jsonl")
    assert turing.id == "10.1090/mbk/121/24" and turing.pages == "1-4"
    assert [(s.label, s.category) for s in turing.sections] == [
        ("Background", "background"), ("Methods", "methods"), ("Results", "results")
    ]  # fmt: skip
    assert (dystopian.id, dystopian.pmcid, dystopian.year) == ("pmid:35000001", "PMC8800001", 2022)
    assert s2_only.id == "s2:0000000000000000000000000000000000000abc" and s2_only.abstract == ""


def test_batch_nulls_and_bad_papers_are_reported_by_line():
    with pytest.raises(LoadError, match=r"semanticscholar_batch\.json:3: element 2 of the array is null"):
        load_records(FORMATS / "semanticscholar_batch.json")
    with pytest.warns(UserWarning, match="skipped 2"):
        records = load_records(FORMATS / "semanticscholar_batch.json", errors="skip")
    assert [r.title for r in records] == ["Alan Turing"]
    assert [e.line for e in records.skipped] == [3, 4]
    assert "'title' should be a string" in str(records.skipped[1])


def test_search_envelope(tmp_path):
    path = tmp_path / "search.json"
    path.write_text('{"total": 1, "offset": 0, "data": [{"paperId": "p1", "title": "Found"}]}')
    assert [r.id for r in load_records(path)] == ["s2:p1"]
