"""Copies of one paper merge into one paper that loses nothing, whichever order and path they come in by."""

from __future__ import annotations

import pytest

import searchlib
from searchlib import build_index, open_index
from tests.conftest import FIXTURES

PUBMED = FIXTURES / "dedup" / "pubmed.xml"
ZOTERO = FIXTURES / "dedup" / "zotero.bib"
PMID = "25466483"


def _with_pmid(index, pmid: str) -> set[str]:
    """The papers whose records hold this PMID: what ``[pmid]`` must find, read without the index's lookups."""
    return {r.id for r in index if r.pmid == pmid}


def _with_word(index, category: str, word: str) -> set[str]:
    return {r.id for r in index if word in r.section_text(category).lower()}


def _check_rich_copy_kept(index) -> None:
    assert len(index) == 1
    paper = index.get("10.9999/ophtha.2014.0612")
    assert paper.pmid == PMID
    assert [s.category for s in paper.sections] == ["objective", "methods", "results", "conclusions"]
    assert paper.authors[0] == "Anna Maria Lindqvist"  # given names over initials
    assert paper.title.endswith("a randomised trial.")  # the whole title over one without its subtitle
    assert paper.pages == "2405-2410"  # written out over abbreviated
    assert sorted(o.format for o in paper.sources) == ["bibtex", "pubmed"]
    assert {h.id for h in index.search(f"{PMID}[pmid]", limit=None)} == _with_pmid(index, PMID) == {paper.id}
    found = {h.id for h in index.search("methods:capsulorhexis", limit=None)}
    assert found == _with_word(index, "methods", "capsulorhexis") == {paper.id}


@pytest.mark.parametrize("order", [(PUBMED, ZOTERO), (ZOTERO, PUBMED)], ids=["thin-last", "thin-first"])
def test_a_thinner_copy_added_later_takes_nothing_away(tmp_path, order):
    index = build_index(order[0], tmp_path / "ix")
    report = index.add(order[1])
    assert (report.new, report.merged, report.unchanged, report) == (0, 1, 0, 1)
    _check_rich_copy_kept(index)
    _check_rich_copy_kept(open_index(tmp_path / "ix"))


@pytest.mark.parametrize("procs", [1, 2])
def test_copies_read_in_one_build_are_merged(tmp_path, procs):
    index = build_index([PUBMED, ZOTERO], tmp_path / "ix", procs=procs)
    assert (index.report.new, index.report.merged) == (1, 1)
    _check_rich_copy_kept(index)
    again = build_index([ZOTERO, PUBMED])  # in memory, the other order
    _check_rich_copy_kept(again)


def test_a_record_read_again_leaves_its_paper_unchanged(tmp_path):
    index = build_index([PUBMED, ZOTERO], tmp_path / "ix")
    before = index.stats()["segments"], [r.to_dict() for r in index]
    report = index.add([PUBMED, ZOTERO])
    assert (report.new, report.merged, report.unchanged, report) == (0, 0, 2, 1)
    assert (index.stats()["segments"], [r.to_dict() for r in index]) == before  # nothing was written
    assert len(index.get(PMID and "pmid:" + PMID).sources) == 2


def test_records_with_no_identifier_merge_only_on_title_year_and_authors(tmp_path):
    editorials = [
        {"title": "Editorial", "journal": "Heart"},
        {"title": "Editorial", "journal": "Thorax"},
        {"title": "Summary"},
        {"title": "Summary", "abstract": "Another summary altogether."},
    ]
    index = build_index(editorials, tmp_path / "ix")
    assert len(index) == 4 and index.report.new == 4
    assert index.add(editorials).unchanged == 4 and len(index) == 4  # the same records again: the same papers
    same = {"title": "Falls in hospital", "authors": ["Ann Lee"], "year": 2020}
    index.add([same, dict(same, journal="BMJ"), dict(same, year=2021), dict(same, authors=["Bo Kim"])])
    assert len(index) == 4 + 3
    assert {r.journal for r in index if r.authors == ("Ann Lee",) and r.year == 2020} == {"BMJ"}


def test_a_doi_shared_by_two_abstracts_keeps_both(tmp_path):
    # Conference supplements give every abstract the supplement's DOI.
    first = {
        "doi": "10.9/suppl",
        "title": "Heptanol and apoptosis in ischaemia",
        "authors": ["H Yan"],
        "pages": "e196",
    }
    second = {
        "doi": "10.9/suppl",
        "title": "Lidocaine and TRPV1 in rat blood",
        "authors": ["T Zou"],
        "pages": "e196",
    }
    for index in (build_index([first, second]), build_index([first])):
        if len(index) == 1:
            assert index.add([second]).new == 1
        assert len(index) == 2
        assert index.get("10.9/suppl").title == first["title"]
        assert {h.doi for h in index.search("lidocaine")} == {"10.9/suppl"}
        assert index.add([first, second]).unchanged == 2 and len(index) == 2


def test_merged_papers_stay_merged_when_their_copies_come_again(tmp_path):
    pubmed = {"pmid": "31", "title": "Falls on wards: a cohort", "authors": ["Ann Lee"], "year": 2020}
    embase = {"title": "Falls on wards - a cohort", "authors": ["A. Lee"], "year": 2020, "journal": "BMJ"}
    index = build_index([pubmed, embase], tmp_path / "ix")
    assert len(index) == 2
    (group,) = index.duplicates()
    merged = index.merge(group)
    assert len(index) == 1 and merged.journal == "BMJ" and merged.pmid == "31"
    assert index.get(group[1].id) == merged  # found by the id of either copy
    assert index.add([embase, pubmed]).unchanged == 2 and len(index) == 1
    with pytest.raises(searchlib.SearchlibError, match="nothing was merged"):
        index.merge(["pmid:31", "10.9/absent"])
    for bad in ("pmid:31", None, [5], [{"pmid": "31"}]):
        with pytest.raises(searchlib.ArgumentError, match="merge takes a group of papers"):
            index.merge(bad)
    with pytest.raises(searchlib.ArgumentError, match="timeout"):
        index.merge(group, timeout=-1)
    assert len(index) == 1


def test_copies_listing_their_pages_in_another_order_merge():
    # Mendeley writes "2001,2016-2019" where Zotero writes "2016-2019, 2001" for one JAVMA case report.
    paper = {"doi": "10.2460/javma.2005.226.2016", "title": "E. coli in a dog", "authors": ["E B Breitschwerdt"]}
    mendeley = dict(paper, pages="2001,2016-2019", pmid="15989184")
    zotero = dict(paper, pages="2016-2019, 2001", authors=["E. B. Breitschwerdt"], journal="J Am Vet Med Assoc")
    index = build_index([mendeley, zotero])
    assert len(index) == 1
    merged = index.get("10.2460/javma.2005.226.2016")
    assert (merged.pmid, merged.journal, len(merged.sources)) == ("15989184", "J Am Vet Med Assoc", 2)
    assert not index.duplicates()
    other_page = dict(zotero, pages="2020-2023")
    assert len(build_index([mendeley, other_page])) == 2  # a supplement's abstracts at other pages stay apart


def test_a_csv_export_added_back_keeps_the_sections_own_labels(tmp_path):
    # The CSV names each section by its category; read back and merged, it must not rename the paper's sections.
    pubmed = {"pmid": "41", "title": "Taurine in spaniels", "authors": ["Ann Lee"], "year": 2021,
              "abstract": "OBJECTIVES: To measure taurine. MATERIALS AND METHODS: A cohort. "
                          "CLINICAL SIGNIFICANCE: Supplement it."}  # fmt: skip
    index = build_index([pubmed])
    labels = [(s.label, s.category) for s in index.get("pmid:41").sections]
    assert labels == [("OBJECTIVES", "objective"), ("MATERIALS AND METHODS", "methods"),
                      ("CLINICAL SIGNIFICANCE", "conclusions")]  # fmt: skip
    exported = tmp_path / "screened.csv"
    exported.write_text(searchlib.export_records(index, "csv"))
    assert index.add(exported).merged == 1
    assert [(s.label, s.category) for s in index.get("pmid:41").sections] == labels
