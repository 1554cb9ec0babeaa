from __future__ import annotations

from searchlib import load_records
from searchlib.records.readers import detect_format
from tests.conftest import FIXTURES
from tests.records.broken import load_skipping

FORMATS = FIXTURES / "formats"


def test_endnote_records_and_their_fields():
    endnote, embase, mendeley = load_records(FORMATS / "endnote.xml")
    # Text wrapped in <style> elements, the journal from <periodical>, the date from <year> and <pub-dates>.
    assert endnote.title == "Occupational pesticide exposure & subclinical hypothyroidism"
    assert endnote.authors == ("Catherine C. Lerro", "Laura E. Beane Freeman", "J. G. van der Hoeven")
    assert (endnote.journal, endnote.volume, endnote.pages, endnote.date) == (
        "Occupational and Environmental Medicine",
        "75",
        "79-89",
        "2018-02-03",
    )
    assert (endnote.id, endnote.pmid, endnote.pmcid) == ("10.1136/oemed-2017-104431", "28775130", "PMC5771820")
    assert endnote.pdf_url is None  # internal-pdf:// is a file on the reviewer's computer
    assert [(s.label, s.category) for s in endnote.sections] == [
        ("Objectives", "objective"),
        ("Methods", "methods"),
        ("Results", "results"),
    ]
    assert "<keyword>" in endnote.raw["xml"] and "Hypothyroidism" in endnote.raw["xml"]  # the record, whole
    # One <author> holding every name (Embase through EndNote); an Embase accession number is not a PMID.
    assert embase.authors == ("B. T. Lamb", "L. M. Call", "H. H. Slunt", "J. Sanchez del Pulgar")
    assert (embase.pmid, embase.journal, embase.year) == (None, "Human Molecular Genetics", 1997)
    assert embase.pdf_url == "https://example.org/lamb1997.pdf"
    # Mendeley: no <style>, <issue> rather than <number>, a bare accession number that is a PMID.
    assert (mendeley.id, mendeley.pmid, mendeley.authors) == (
        "10.1111/jvim.16404",
        "35319117",
        ("Carina Rotter", "Clare Rusbridge"),
    )
    assert [s.category for s in mendeley.sections] == ["background", "results"]


def test_endnote_xml_is_told_from_content():
    assert detect_format((FORMATS / "endnote.xml").read_bytes(), "library.xml") == "endnote"
    assert len(load_records(FORMATS / "endnote.xml", format="endnote")) == 3


def test_broken_records_are_reported_with_their_lines():
    records = load_skipping(
        FORMATS / "endnote_broken.xml", r"endnote_broken\.xml:4: <record> 2: invalid XML: mismatched", 4
    )
    assert [r.title for r in records] == ["A complete record", "A third record"]
    assert [e.line for e in records.skipped] == [4, 6, 8, 9]
    assert "no title, abstract, DOI or id" in str(records.skipped[1])
    assert "undefined entity" in str(records.skipped[2])  # declared in the file, never expanded
    assert "never closed" in str(records.skipped[3])
