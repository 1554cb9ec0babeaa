from __future__ import annotations

import gzip

import pytest

from searchlib import LoadError, build_index, load_records
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"


@pytest.fixture(scope="module")
def records():
    return load_records(FORMATS / "pubmed.xml")


def test_every_article_is_read_with_its_fields(records):
    assert [r.id for r in records] == ["10.1136/oemed-2017-104431", "pmid:2930949", "10.9999/bmjqs-falls"]
    first = records[0]
    assert (first.pmid, first.pmcid) == ("28775130", "PMC5771820")  # not the cited paper's PMC1
    assert first.authors == (
        "Catherine C Lerro",
        "Laura E Beane Freeman",
        "Agricultural Health Study Investigators",
    )
    assert (first.journal, first.volume, first.pages) == ("Occupational and environmental medicine", "75", "79-89")
    assert (first.date, first.year) == ("2018-02", 2018)
    assert records[1].date == "1985-08"  # MedlineDate "1985 Aug-Sep"
    assert records[2].date == "2024-12-31" and records[2].journal == "BMJ quality & safety"


def test_sections_follow_label_and_nlm_category(records):
    assert [(s.label, s.category) for s in records[0].sections] == [
        ("OBJECTIVES", "objective"),
        ("METHODS", "methods"),
        ("RESULTS", "results"),
        ("CONCLUSIONS", "conclusions"),
    ]
    # UNASSIGNED or no NlmCategory: the label decides; a stated category wins over the label.
    assert [(s.label, s.category) for s in records[2].sections] == [
        ("AIMS", "objective"),
        ("DESIGN", "methods"),
        ("KEY FINDINGS", "results"),
    ]
    assert records[1].sections[0].label is None


def test_inline_markup_is_text_in_sections_and_kept_in_html(records):
    results = records[0].sections[2].text
    assert results == "Aldrin was associated with hypothyroidism (ORQ4=4.76)."
    assert "<sub>Q4</sub>" in records[0].abstract_html
    assert "TSH >4.5 mIU/L" in records[0].sections[1].text
    assert records[2].title == "Falls on wards: a realist review."


def test_raw_is_the_articles_xml(records):
    xml = records[1].raw["xml"]
    assert xml.startswith("<PubmedArticle>") and xml.endswith("</PubmedArticle>")
    assert '<PMID Version="1">2930949</PMID>' in xml


def test_damaged_and_truncated_articles_are_reported_by_line():
    with pytest.raises(LoadError, match=r"pubmed_broken\.xml:7: <PubmedArticle> 2: invalid XML: mismatched tag"):
        load_records(FORMATS / "pubmed_broken.xml")
    with pytest.warns(UserWarning, match="skipped 2"):
        records = load_records(FORMATS / "pubmed_broken.xml", errors="skip")
    assert [r.pmid for r in records] == ["111", "333"]
    assert [e.line for e in records.skipped] == [7, 12]
    assert "never closed" in str(records.skipped[1])


@pytest.mark.parametrize(("fixture", "last"), [("pubmed.xml", "</PubmedArticle>"), ("endnote.xml", "</record>")])
def test_a_file_cut_between_two_records_is_reported_not_taken_for_whole(tmp_path, fixture, last):
    text = (FORMATS / fixture).read_text(encoding="utf-8")
    whole = load_records(FORMATS / fixture)
    cut = tmp_path / fixture
    cut.write_text(text[: text.rindex(last, 0, text.rindex(last)) + len(last)] + "\n")  # the last record lost
    with pytest.raises(
        LoadError, match=rf"{fixture}:\d+: the file ends without </\w+> after <\w+> \d+: is it cut"
    ):
        load_records(cut)
    with pytest.warns(UserWarning, match="skipped 1"):
        kept = load_records(cut, errors="skip")
    assert [r.id for r in kept] == [r.id for r in whole[:-1]]
    assert kept.skipped[0].line == text[: text.rindex(last, 0, text.rindex(last))].count("\n") + 1


def test_entities_declared_in_the_file_are_not_expanded(tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        "<ArticleTitle>&b;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    with pytest.raises(LoadError, match="undefined entity"):
        load_records(bomb)


def test_gzip_and_format_argument(tmp_path, records):
    gz = tmp_path / "export.bin"  # content decides, not the name
    gz.write_bytes(gzip.compress((FORMATS / "pubmed.xml").read_bytes()))
    assert [r.id for r in load_records(gz, format="pubmed")] == [r.id for r in records]
    assert [r.id for r in load_records(gz)] == [r.id for r in records]


def test_empty_set_is_no_records(tmp_path):
    empty = tmp_path / "empty.xml"
    empty.write_text('<?xml version="1.0"?>\n<PubmedArticleSet></PubmedArticleSet>\n')
    assert load_records(empty) == []


def test_index_finds_a_paper_by_pmid_pmcid_and_doi(records):
    index = build_index(records)
    assert index.get("pmid:28775130").doi == "10.1136/oemed-2017-104431"
    assert index.get("PMC1306303").id == "pmid:2930949"
    assert index.get("https://doi.org/10.9999/BMJQS-FALLS").pmid == "39000001"
    assert index.get("pmid:1") is None
    assert index.search("methods:thyroid")[0].record.pmid == "28775130"
