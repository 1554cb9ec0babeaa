from __future__ import annotations

import gzip
import pickle
import warnings

import orjson
import pytest

import searchlib
from searchlib import LoadError, load_records
from searchlib.records.readers.seed import record_from_dict
from searchlib.records.record import sections_deferred
from tests.conftest import FIXTURES

HYBRID = "10.1136/bmjqs-2024-017268"


def test_seed_records_load_whole(seed_records):
    assert len(seed_records) == 10
    assert seed_records.skipped == []
    first = seed_records[0]
    assert first.doi == HYBRID
    assert first.title.startswith("Understanding the challenges")
    assert first.authors == ("Sarah Hampton", "Jenni Murray", "Rebecca Lawton", "Laura Sheard")
    assert first.journal == "BMJ Quality & Safety"
    assert first.volume is None  # " " in the source
    assert first.pages == "92-99"
    assert (first.date, first.year) == ("2025-01-28", 2025)
    assert first.pdf_url == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC11874326/pdf/"
    assert first.raw["PeriodicalIF"] == 5.6  # aggregator metadata kept, not lost
    assert "<strong>" in first.abstract_html and "<strong>" not in first.abstract


def test_doi_urls_are_normalised(seed_records):
    realist = next(r for r in seed_records if r.title.startswith("A realist review"))
    assert realist.raw["DOIUrl"].startswith("https://doi.org/")
    assert realist.doi == "10.1136/bmjqs-2024-017386"
    assert all(r.doi == r.doi.lower() and not r.doi.startswith("http") for r in seed_records)


def test_sections_follow_the_seed_labels(seed_records):
    by_doi = {r.doi: r for r in seed_records}
    cats = [s.category for s in by_doi[HYBRID].sections]
    assert cats == ["background", "methods", "results", "conclusions"]  # "Discussion" -> conclusions
    findings = by_doi["10.1136/bmjqs-2024-017746"].sections
    assert [(s.label, s.category) for s in findings][2] == ("Findings", "results")
    aims = by_doi["10.1136/bmjqs-2024-017809"].sections[0]
    assert (aims.label, aims.category) == ("Introduction and aims", "objective")


def test_unstructured_and_empty_abstracts(seed_records):
    by_doi = {r.doi: r for r in seed_records}
    unstructured = by_doi["10.1136/bmjqs-2023-017039"]
    assert len(unstructured.sections) == 1 and unstructured.sections[0].label is None
    assert unstructured.abstract.startswith("Identifying high and poorly performing organisations")
    empty = by_doi["10.1136/bmjqs-2024-017214"]
    assert empty.sections == () and empty.abstract == ""


def test_authors_fall_back_to_the_author_line(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text('Jane Roe, John Doe\n{"title": "T", "doi": "10.1/x"}\n', encoding="utf-8")
    assert load_records(path)[0].authors == ("Jane Roe", "John Doe")


def test_malformed_line_names_file_and_line():
    with pytest.raises(LoadError) as info:
        load_records(FIXTURES / "malformed.txt")
    assert info.value.line == 3
    assert "malformed.txt:3" in str(info.value)
    assert "invalid JSON" in str(info.value)


def test_skip_mode_reports_every_skipped_line():
    with pytest.warns(UserWarning, match="skipped 3"):
        records = load_records(FIXTURES / "malformed.txt", errors="skip")
    assert [r.doi for r in records] == ["10.9999/good-1", "10.9999/good-2"]
    assert [e.line for e in records.skipped] == [3, 5, 6]
    assert "'title' should be a string, not a number" in str(records.skipped[1])
    assert "3 skipped" in records.report()


def test_json_lines_array_and_gzip_give_the_same_records(tmp_path, seed_records):
    objs = [dict(r.raw) for r in seed_records]
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_bytes(b"\n".join(orjson.dumps(o) for o in objs))
    array = tmp_path / "r.json"
    array.write_bytes(orjson.dumps(objs, option=orjson.OPT_INDENT_2))
    gz = tmp_path / "r.jsonl.gz"
    gz.write_bytes(gzip.compress(jsonl.read_bytes()))
    expected = [r.doi for r in seed_records]
    for path in (jsonl, array, gz):
        assert [r.doi for r in load_records(path)] == expected


def test_array_errors_name_the_elements_line(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('[\n {"title": "ok", "doi": "10.1/a"},\n {"title": ["not", "a", "string"]}\n]\n')
    with pytest.raises(LoadError, match=r"a\.json:3: 'title' should be a string"):
        load_records(path)


def test_file_problems_are_load_errors(tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        load_records(tmp_path / "missing.txt")
    with pytest.raises(LoadError, match="is a directory"):
        load_records(tmp_path)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b'{"title": "caf\xe9", "doi": "10.1/x"}\n')
    with pytest.raises(LoadError, match="latin1.txt:1"):
        load_records(bad)


def test_empty_file_is_no_records(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_records(path) == []


def test_record_without_doi_gets_a_stable_id():
    a = searchlib.records.readers.seed.record_from_dict({"title": "No DOI here", "authors": "A B"})
    b = searchlib.records.readers.seed.record_from_dict({"title": "No  DOI here", "authors": "A B"})
    assert a.doi is None and a.id.startswith("sha1:") and a.id == b.id


# -- Records whose sections are found when first read (builds hand them to helper processes) -------------------

# Each fixture, and whether some record of it leaves its abstract to the parser (the others have no abstract, or
# their sources label every part).
FORMAT_FILES = [
    ("crossref.json", True),
    ("europepmc.json", True),
    ("pubmed.nbib", True),
    ("pubmed.xml", True),
    ("references.bib", False),
    ("same_as_pubmed.ris", True),
    ("semanticscholar.jsonl", True),
    ("semanticscholar_batch.json", False),
]


@pytest.mark.parametrize(("name", "parsed"), FORMAT_FILES)
def test_deferred_sections_are_those_found_at_once(name, parsed):
    path = FIXTURES / "formats" / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two of the files also hold a broken record, skipped either way
        eager = list(load_records(path, errors="skip"))
        with sections_deferred():
            deferred = list(load_records(path, errors="skip"))
    assert any("sections" not in vars(r) for r in deferred) == parsed  # left unsplit while reading
    assert eager and deferred == eager
    assert [r.sections for r in deferred] == [r.sections for r in eager]
    assert [r.abstract for r in deferred] == [r.abstract for r in eager]


def test_a_deferred_record_is_split_where_it_is_first_read(seed_path, seed_records):
    with sections_deferred():
        deferred = list(load_records(seed_path))
    assert not any("sections" in vars(r) for r in deferred)  # nothing parsed while reading
    shipped = [pickle.loads(pickle.dumps(r)) for r in deferred]  # as a helper process receives them
    assert not any("sections" in vars(r) for r in shipped)
    assert [r.sections for r in shipped] == [r.sections for r in seed_records]
    assert shipped[0].section_text("methods") == seed_records[0].section_text("methods") != ""
    assert shipped == list(seed_records) and list(seed_records) == shipped


def test_deferring_still_refuses_empty_records_and_keeps_abstract_only_ones():
    with sections_deferred():
        with pytest.raises(LoadError, match="no title, abstract, DOI or id"):
            record_from_dict({"abstract": "Abstract"})  # a placeholder: no sections, so nothing at all
        only_abstract = record_from_dict({"abstract": "Methods: We asked 12 nurses. Results: Most agreed."})
    assert [s.category for s in only_abstract.sections] == ["methods", "results"]
