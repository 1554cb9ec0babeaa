"""PubMed's own fields read from every format that carries them, and written so that reference managers read
them right: RIS read back with rispy, BibTeX with bibtexparser, as Zotero, EndNote and Mendeley would."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import bibtexparser
import orjson
import pytest
import rispy

import searchlib
from searchlib import Record, Section, export_records, load_records
from searchlib.records.vocabulary import Mesh

FORMATS = Path(__file__).parent.parent / "fixtures" / "formats"
MEDLINE = Path(__file__).parent.parent / "fixtures" / "medline" / "medline16n0902-sample.xml.gz"


def _one(name: str, **kw) -> Record:
    return load_records(FORMATS / name, **kw)[0]


@pytest.fixture
def load(tmp_path):
    """load_records of text given here, written to a file first."""

    def read(data: bytes | str, format: str) -> list[Record]:
        path = tmp_path / f"in.{format}"
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return load_records(path, format=format)

    return read


def test_endnote_xml_keywords_language_issn_issue_type_and_address(load):
    xml = (
        (FORMATS / "endnote.xml")
        .read_bytes()
        .replace(
            b"<isbn>",
            b"<auth-address>Dept A, Univ B&#xD;Dept C, Univ D</auth-address><work-type>Review</work-type><isbn>",
        )
    )
    lerro, lamb, rotter = load(xml, "endnote")
    assert lerro.keywords == ("Hypothyroidism", "Pesticides") and lerro.languages == ("English",)
    assert (lerro.issn, lerro.issue) == ("1351-0711", "2")
    assert lerro.publication_types == ("Journal Article", "Review")
    assert lerro.affiliations == ("Dept A, Univ B", "Dept C, Univ D")
    assert lamb.issue == "9" and rotter.issue == "3"  # <number> (EndNote) and <issue> (Mendeley)
    assert rotter.publication_types == ()  # "Generic" says nothing


def test_csv_columns_of_scopus_zotero_and_web_of_science():
    scopus = _one("scopus.csv")
    assert (scopus.issue, scopus.article_number, scopus.issn) == ("1", "3", "2076-2615")
    assert scopus.publication_types == ("Journal Article",) and scopus.languages == ("English",)
    assert scopus.keywords[:3] == ("LC-MS/MS", "method validation", "taurine")
    assert scopus.affiliations == ("San Marco Veterinary Clinic and Laboratory, Veggiano, 35030, Italy",)
    zotero = _one("zotero.csv")
    assert zotero.keywords[:2] == ("*Dog Diseases/diagnostic imaging", "*Myoclonus/veterinary")  # Manual Tags
    assert (zotero.issue, zotero.issn, zotero.publication_types) == ("3", "1939-1676", ("Journal Article",))
    wos = _one("wos.txt")
    assert wos.keywords == ("Multi sensor data fusion", "Emotion recognition", "RECOGNITION", "STRESS")
    assert wos.publication_types == ("Journal Article",) and wos.languages == ("English",)
    assert wos.affiliations == ("Nottingham Trent Univ, Nottingham, England",)


def test_ris_bibtex_and_json_sources(load):
    ris = b"TY  - JOUR\nTI  - T\nM3  - Review\nKW  - falls; wards\nKW  - older people\nLA  - English\n" + (
        b"AD  - Univ A\nIS  - 4\nC7  - 102345\nSN  - 20762615 (ISSN)\nER  - \n"
    )
    r = load(ris, "ris")[0]
    assert r.publication_types == ("Journal Article", "Review") and r.keywords == (
        "falls",
        "wards",
        "older people",
    )
    assert (r.languages, r.affiliations, r.issue, r.article_number, r.issn) == (
        ("English",), ("Univ A",), "4", "102345", "2076-2615"
    )  # fmt: skip
    bib = rb"@inproceedings{a, title={T}, keywords={falls; wards}, language={eng}, number={2}, issn={1234-5678}}"
    b = load(bib, "bibtex")[0]
    assert (b.publication_types, b.keywords, b.languages, b.issue, b.issn) == (
        ("Conference Paper",), ("falls", "wards"), ("English",), "2", "1234-5678"
    )  # fmt: skip
    crossref = {"DOI": "10.1/x", "title": ["T"], "type": "posted-content", "issue": "3", "language": "en",
                "ISSN": ["1234-5678"],
                "author": [{"family": "Lee", "affiliation": [{"name": "Univ A"}]}]}  # fmt: skip
    c = load(orjson.dumps(crossref), "crossref")[0]
    assert (c.publication_types, c.issue, c.languages, c.issn, c.affiliations) == (
        ("Preprint",), "3", ("English",), "1234-5678", ("Univ A",)
    )  # fmt: skip
    epmc = {"id": "1", "source": "MED", "pmid": "1", "title": "T", "language": "eng",
            "pubTypeList": {"pubType": ["Review"]}, "keywordList": {"keyword": ["falls"]},
            "meshHeadingList": {"meshHeading": [{"majorTopic_YN": "N", "descriptorName": "Asthma",
                "meshQualifierList": {"meshQualifier": [
                    {"qualifierName": "drug therapy", "majorTopic_YN": "Y"}]}}]},
            "journalInfo": {"issue": "2", "journal": {"issn": "1234-5678"}}}  # fmt: skip
    e = load(orjson.dumps(epmc), "europepmc")[0]
    assert e.mesh == (Mesh.parse("Asthma/*drug therapy"),) and e.publication_types == ("Review",)
    assert (e.keywords, e.languages, e.issue, e.issn) == (("falls",), ("English",), "2", "1234-5678")


def test_medline_article_number_from_a_pii_where_there_are_no_pages(load):
    text = (
        b"PMID- 1\nTI  - T\nPG  - e0178437\nLID - e0178437 [pii]\nLID - 10.1/x [doi]\nIS  - 1932-6203 (Linking)\n"
    )
    r = load(text, "medline")[0]
    assert (r.article_number, r.issn) == ("e0178437", "1932-6203")
    paged = load(text.replace(b"PG  - e0178437", b"PG  - 79-89"), "medline")[0]
    assert paged.article_number is None


def _kinds() -> list[Record]:
    def paper(n: int, types: tuple[str, ...], **kw) -> Record:
        return Record(f"10.1/{n}", f"10.1/{n}", f"Paper {n}", ("Ann Lee",), journal="J Tests", year=2020,
                      publication_types=types, **kw)  # fmt: skip

    return [
        paper(1, ("Journal Article", "Review"), pages="1772-7", issue="4", keywords=("falls", "wards"),
              mesh=(Mesh.parse("*Accidental Falls/prevention & control"),), languages=("English", "French"),
              issn="1234-567X", affiliations=("Univ A, Leeds", "Univ B"), article_number="e12",
              sections=(Section("Methods", "methods", "We asked."), Section("Results", "results", "Fewer."))),
        paper(2, ("Preprint",)),
        paper(3, ("Conference Paper",)),
        paper(4, ("Book Chapter",)),
        paper(5, ("Journal Article", "Letter")),
        paper(6, ()),
    ]  # fmt: skip


def test_ris_as_a_reference_manager_reads_it():
    entries = rispy.loads(export_records(_kinds(), "ris"))
    assert [e["type_of_reference"] for e in entries] == ["JOUR", "UNPB", "CPAPER", "CHAP", "JOUR", "JOUR"]
    first = entries[0]
    assert (first["start_page"], first["end_page"], first["number"]) == ("1772", "1777", "4")
    assert first["keywords"] == ["falls", "wards", "*Accidental Falls/prevention & control"]
    assert (first["language"], first["issn"], first["type_of_work"]) == ("English", "1234-567X", "Review")
    assert first["author_address"] == "Univ A, Leeds" and first["custom7"] == "e12"  # rispy keeps one AD
    assert first["abstract"] == "Methods: We asked. Results: Fewer."  # a line each; rispy joins them
    assert entries[4]["type_of_work"] == "Letter"


def test_bibtex_as_a_reference_manager_reads_it():
    library = bibtexparser.parse_string(export_records(_kinds(), "bibtex"))
    assert not library.failed_blocks
    entries = library.entries
    assert [e.entry_type for e in entries] == [
        "article",
        "misc",
        "inproceedings",
        "incollection",
        "article",
        "article",
    ]
    first = entries[0]
    assert (first["pages"], first["number"], first["eid"], first["issn"]) == (
        "1772--1777",
        "4",
        "e12",
        "1234-567X",
    )
    assert first["keywords"] == r"falls, wards, *Accidental Falls/prevention \& control"
    assert (first["type"], first["language"]) == ("Review", "English, French")
    assert first["abstract"].split("\n\n") == ["Methods: We asked.", "Results: Fewer."]
    assert entries[1]["type"] == "Preprint" and entries[2]["booktitle"] == "J Tests"


@pytest.mark.parametrize("fmt", ["ris", "bibtex", "csv", "jsonl"])
def test_exports_come_back_with_the_fields(load, fmt):
    records = _kinds()
    back = load(export_records(records, fmt).encode(), {"jsonl": "json"}.get(fmt, fmt))
    untyped = () if fmt in ("csv", "jsonl") else ("Journal Article",)  # RIS and BibTeX say a type
    assert [r.publication_types for r in back] == [r.publication_types or untyped for r in records]
    first, original = back[0], records[0]
    assert (first.issue, first.issn, first.languages) == (original.issue, original.issn, original.languages)
    assert first.pages in ("1772-7", "1772-1777")
    if fmt in ("csv", "jsonl"):  # the formats with a place for each field
        fields = ("mesh", "keywords", "affiliations", "article_number", "sections")
        assert [getattr(first, f) for f in fields] == [getattr(original, f) for f in fields]
    else:  # MeSH headings are keywords to RIS and BibTeX, as to the reference managers that read them
        assert set(first.keywords) >= set(original.keywords)


def test_csv_columns_hold_the_lists():
    row = next(csv.DictReader(io.StringIO(export_records(_kinds()[:1], "csv"))))
    assert row["mesh"] == "*Accidental Falls/prevention & control" and row["languages"] == "English; French"
    assert row["publication_types"] == "Journal Article; Review" and row["affiliations"] == "Univ A, Leeds; Univ B"


def test_medline_records_export_and_index_unchanged(load):
    records = load_records(MEDLINE)[:20]
    assert sum(len(r.mesh) for r in records) > 100
    index = searchlib.build_index(records)
    assert {r.id: r for r in index} == {r.id: r for r in records}
    again = load(export_records(records, "jsonl"), "json")
    assert list(again) == list(records)
