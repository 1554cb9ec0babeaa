from __future__ import annotations

import gzip

import orjson
import pytest

from searchlib import ArgumentError, LoadError, build_index, load_records
from searchlib.records.readers import detect_format
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"


def test_beir_ids_stay_bare(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text('{"_id": "4983", "title": "T", "text": "Some text."}\n')
    assert load_records(path)[0].id == "4983"


def test_pmid_without_doi_is_the_id(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"title": "T", "pmid": "PMID: 123"}\n{"title": "T2", "pmcid": "pmc9"}\n')
    a, b = load_records(path)
    assert (a.id, a.pmid, b.id, b.pmcid) == ("pmid:123", "123", "pmcid:PMC9", "PMC9")


def test_an_id_in_the_doi_field_is_kept_and_merges_with_the_pubmed_copy(tmp_path):
    # Seed-shaped files name a paper without a DOI by "pmid:<PMID>" in "doi".
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"title": "Falls on wards", "doi": "pmid:36000001"}\n{"title": "T2", "doi": "pmcid:PMC9"}\n'
        '{"title": "T3", "doi": "12345"}\n{"title": "T4", "doi": "s2:5d10fa"}\n'
    )
    a, b, c, d = load_records(path)
    assert (a.id, a.pmid, a.doi, b.id, b.pmcid) == ("pmid:36000001", "36000001", None, "pmcid:PMC9", "PMC9")
    assert c.pmid is None and c.doi is None  # a bare number names nothing
    assert d.id == "s2:5d10fa"
    index = build_index([a, {"title": "Falls on wards.", "pmid": "36000001", "journal": "BMJ"}])
    assert len(index) == 1 and index.get("pmid:36000001").journal == "BMJ"


def test_content_hash_is_stable(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"title": "No ids at all", "authors": ["Ann Lee"], "year": 2020}\n')
    first, again = load_records(path)[0], load_records(path)[0]
    assert first.id.startswith("sha1:") and first.id == again.id


@pytest.mark.parametrize(
    "name, head, fmt",
    [
        ("a.txt", b"TY  - JOUR\n", "ris"),
        ("a.txt", b"\n\nPMID- 1\nTI  - T\n", "medline"),
        ("a.txt", b"% comment\n@article{k, title={T}}\n", "bibtex"),
        ("a.txt", b'<?xml version="1.0"?>\n<PubmedArticleSet>', "pubmed"),
        ("a.ris", b'[{"title": "T"}]', "json"),
        ("a.txt", b'Ann Lee, Bob Roe\n{"title": "T"}\n', "json"),
    ],
)
def test_format_is_told_from_content(name, head, fmt):
    assert detect_format(head, name) == fmt


def test_unknown_content_is_a_load_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Just some notes\nabout papers\n")
    with pytest.raises(LoadError, match="cannot tell the format"):
        load_records(path)
    xml = tmp_path / "other.xml"
    xml.write_text("<pmc-articleset><article/></pmc-articleset>")
    with pytest.raises(LoadError, match="root <pmc-articleset> is not PubMed XML"):
        load_records(xml)


def test_unknown_format_name():
    with pytest.raises(ArgumentError, match="format must be one of 'json', .*'bibtex', .*not 'refworks'"):
        load_records(FORMATS / "pubmed.xml", format="refworks")


def test_json_lines_are_read_a_line_at_a_time(tmp_path, monkeypatch):
    # A large JSON Lines export must not be read into memory whole: only the head is read at once.
    import searchlib.records.readers

    path = tmp_path / "big.jsonl.gz"
    lines = [orjson.dumps({"doi": f"10.1/{i}", "title": f"Paper {i}"}) for i in range(3000)]
    path.write_bytes(gzip.compress(b"\n".join(lines)))
    read_bytes = searchlib.records.readers.read_bytes

    def head_only(path, limit=-1):
        assert limit > 0, "the whole file was read at once"
        return read_bytes(path, limit)

    monkeypatch.setattr(searchlib.records.readers, "read_bytes", head_only)
    records = load_records(path)
    assert len(records) == 3000 and records[-1].doi == "10.1/2999"
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\n".join(lines[:5]) + b'\n{"doi": \n' + lines[5])
    with pytest.raises(LoadError, match=r"bad\.jsonl:6: invalid JSON"):
        load_records(bad)


def test_journal_volume_and_pages_are_cleaned_as_every_reader_cleans_them(tmp_path):
    """White space collapsed, numbers as text, blank as absent: the same values a RIS file gives."""
    seed = tmp_path / "r.jsonl"
    seed.write_text('{"title": "T", "journal": {"name": " Journal  of\\nTrials ", "volume": 12, "pages": "  "}}\n')
    ris = tmp_path / "r.ris"
    ris.write_text("TY  - JOUR\nTI  - T\nJO  - Journal  of Trials \nVL  - 12\nER  - \n")
    got = [(r.journal, r.volume, r.pages) for r in (load_records(seed)[0], load_records(ris)[0])]
    assert got == [("Journal of Trials", "12", None)] * 2


def test_a_field_of_the_wrong_type_is_named_with_what_it_holds(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"title": "T", "journal": {"name": "J", "volume": [12]}}\n')
    with pytest.raises(LoadError, match=r"'volume' should be a string, not a list"):
        load_records(path)


def test_an_api_response_cut_short_is_one_error_at_its_end(tmp_path):
    # A saved Crossref or Europe PMC response is one object over many lines; cut short, none of it is a record.
    works = [{"DOI": f"10.1/w{i}", "title": [f"Work {i}"], "type": "journal-article"} for i in range(3)]
    text = orjson.dumps({"status": "ok", "message": {"items": works}}, option=orjson.OPT_INDENT_2).decode()
    path = tmp_path / "works.json"
    path.write_text(text[: len(text) - 40])
    with pytest.raises(LoadError) as info:
        load_records(path)
    assert info.value.line == text[: len(text) - 40].count("\n") + 1
    with pytest.warns(UserWarning):
        records = load_records(path, errors="skip")
    assert len(records) == 0 and len(records.skipped) == 1
    lines = tmp_path / "lines.jsonl"  # JSON Lines whose first line is cut keeps the lines after it
    lines.write_text('{"title": "Cut\n{"title": "Whole", "doi": "10.1/whole"}\n')
    with pytest.warns(UserWarning):
        assert [r.doi for r in load_records(lines, errors="skip")] == ["10.1/whole"]


@pytest.mark.parametrize("fmt", ["crossref", "europepmc", "semanticscholar"])
def test_records_given_as_another_json_source_are_refused_not_emptied(tmp_path, fmt):
    path = tmp_path / "seed.jsonl"
    path.write_text('{"title": "Falls on wards", "doi": "10.1/falls", "authors": ["Ann Lee"]}\n')
    with pytest.raises(LoadError, match=r"seed\.jsonl:1: the object is not a .* record but, by its keys, one in"):
        load_records(path, format=fmt)
    assert load_records(path, format="json")[0].authors == ("Ann Lee",)
