"""Keeping an index: deleting papers, merging segments, what stats() reports, and older formats refused."""

from __future__ import annotations

import orjson
import pytest

import searchlib

EXTRA = {
    "doi": "10.1/extra",
    "title": "Hand hygiene in hospital wards",
    "authors": ["Ann Other"],
    "date": "2023-05-01",
}


@pytest.fixture()
def index(tmp_path, seed_path):
    ix = searchlib.build_index(seed_path, tmp_path / "ix")
    ix.add([EXTRA])
    yield ix
    ix.close()


def test_delete_by_doi_in_any_form_and_ignore_unknown_ids(index):
    assert "10.1/extra" in index
    assert index.delete(["https://doi.org/10.1/EXTRA", "10.9/not-there"]) == 1
    assert "10.1/extra" not in index and len(index) == 10
    assert index.search("hygiene").total == 0
    assert index.delete("10.1136/bmjqs-2024-017268") == 1
    assert index.search('au:"Lawton R"').total == 0


def test_deletion_survives_reopening(index):
    index.delete("10.1/extra")
    again = searchlib.open_index(index.path)
    assert len(again) == 10 and again.get("10.1/extra") is None


def test_optimize_merges_segments_and_keeps_results(index):
    before = [(h.doi, round(h.score, 6)) for h in index.search("safety OR hospital", limit=None)]
    index.delete("10.1/extra")
    assert index.stats()["segments"] == 2
    index.optimize()
    assert index.stats()["segments"] == 1
    after = [(h.doi, round(h.score, 6)) for h in index.search("safety OR hospital", limit=None)]
    assert [d for d, _ in after] == [d for d, _ in before if d != "10.1/extra"]


def test_stats_report_what_a_user_checks(index):
    stats = index.stats()
    assert stats["papers"] == 11
    assert {"title", "authors", "first_author", "last_author", "methods", "year"} <= set(stats["fields"])
    assert "vocabulary" not in stats["fields"] and "record" not in stats["fields"]
    assert stats["papers_with_section"]["methods"] == 7
    assert stats["papers_with_any_section"] == 7  # three seed papers have no labelled sections; EXTRA none
    assert stats["vocabulary"] > 500 and stats["abstract_vocabulary"] > 500
    assert stats["size_bytes"] > 0 and stats["last_change"]


def test_an_index_of_an_older_format_asks_to_be_rebuilt(tmp_path, seed_path):
    path = tmp_path / "old"
    searchlib.build_index(seed_path, path).close()
    manifest = orjson.loads((path / "searchlib.json").read_bytes())
    manifest["version"] = 1
    (path / "searchlib.json").write_bytes(orjson.dumps(manifest))
    with pytest.raises(searchlib.SearchlibError, match="older searchlib.*rebuild"):
        searchlib.open_index(path)
