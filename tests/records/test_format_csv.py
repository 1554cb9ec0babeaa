from __future__ import annotations

import pytest

from searchlib import LoadError, export_records, load_records
from searchlib.records.readers import detect_format
from searchlib.records.readers.detect import csv_dialect, csv_header
from searchlib.records.readers.seed import record_from_dict
from tests.conftest import FIXTURES
from tests.records.broken import load_skipping

FORMATS = FIXTURES / "formats"


@pytest.mark.parametrize(
    "fixture, dialect",
    [
        ("zotero.csv", "zotero"),
        ("scopus.csv", "scopus"),
        ("wos.txt", "wos"),
        ("rayyan.csv", "rayyan"),
        ("covidence.csv", "covidence"),
    ],
)
def test_each_export_is_told_from_its_header_row(fixture, dialect):
    data = (FORMATS / fixture).read_bytes()
    assert detect_format(data.removeprefix(b"\xef\xbb\xbf"), "export.txt") == "csv"
    assert csv_dialect(csv_header(data.decode("utf-8-sig"))[1]) == dialect


def test_zotero():
    myoclonus, clumber, chapter = load_records(FORMATS / "zotero.csv")  # BOM, every cell quoted
    assert myoclonus.authors == ("Carina Rotter", "Danielle Whittaker", "Clare Rusbridge")
    assert (myoclonus.id, myoclonus.pmid, myoclonus.pmcid) == ("10.1111/jvim.16404", "35319117", "PMC9151451")
    assert (myoclonus.journal, myoclonus.volume, myoclonus.pages, myoclonus.date) == (
        "Journal of veterinary internal medicine",
        "36",
        "1032-1038",
        "2022-05",
    )
    # The abstract's line breaks are inside quotes: one row, its sections kept.
    assert [(s.label, s.category) for s in myoclonus.sections] == [
        ("BACKGROUND", "background"),
        ("METHODS", "methods"),
        ("RESULTS", "results"),
    ]
    assert "SD ±1.96" in myoclonus.sections[2].text
    assert myoclonus.raw["Manual Tags"].startswith("*Dog Diseases") and myoclonus.raw["Issue"] == "3"
    assert (clumber.id, clumber.authors, clumber.date) == (
        "pmid:516334",
        ("E. Herrtage", "J. E. Houlton"),
        "1979-10-06",
    )
    assert chapter.title == 'Sepsis scores < 2 and "quick" screening'
    assert chapter.authors == ("Johannes G. van der Hoeven", "J. Sanchez del Pulgar")


def test_scopus():
    taurine, calcium = load_records(FORMATS / "scopus.csv")
    # Full names are preferred, without Scopus's author ids; "Authors" when they are missing.
    assert taurine.authors[2:] == ("Francesca M. Bertolini", "Jaime Sanchez del Pulgar")
    assert calcium.authors == ("A. Mouton", "A. Celliers", "P. N. Thompson")
    assert (taurine.doi, taurine.pmid) == ("10.3390/ani15010003", "39794989")
    assert (taurine.journal, taurine.volume) == ("Animals", "15")
    assert taurine.raw["Art. No."] == "3" and taurine.raw["EID"] == "2-s2.0-85214459603"
    assert taurine.abstract.endswith("© 2024 by the authors.")
    assert calcium.pages == "1-8" and calcium.abstract == ""  # "[No abstract available]" is no abstract


def test_web_of_science_tab_delimited():
    fusion, rat = load_records(FORMATS / "wos.txt")
    assert fusion.authors == ("Eiman Kanjo", "Eman M. G. Younis", "Nasser Sherkat")  # AF before AU
    assert fusion.abstract.startswith('We collected "in the wild" data')  # no quoting in this format
    assert (fusion.doi, fusion.journal, fusion.volume, fusion.pages, fusion.date) == (
        "10.1016/j.inffus.2018.09.001",
        "INFORMATION FUSION",
        "52",
        "46-56",
        "2019-10",
    )
    assert rat.authors == ("D M de Oliveira", "J Van Dyke", "TIMI Study Group")  # AU initials, CA group author
    assert (rat.id, rat.date, rat.raw["UT"]) == ("pmid:14985065", "2004-03-15", "WOS:000189234500012")


def test_rayyan():
    hygiene, falls = load_records(FORMATS / "rayyan.csv")
    assert hygiene.authors == ("John Smith", "Jane A. Doe")  # " and " between names
    assert (hygiene.pmid, hygiene.date, hygiene.pages) == ("31622713", "2020-02-15", "120-126")
    assert [s.label for s in hygiene.sections] == ["Background", "Methods", "Results"]
    assert hygiene.raw["notes"].startswith("RAYYAN-INCLUSION")
    assert (falls.id, falls.authors) == ("pmcid:PMC7000001", ("Jane Roe",))


def test_covidence():
    bauer, lee = load_records(FORMATS / "covidence.csv")
    assert bauer.authors == ("B. Bauer", "B. Z. Simkhovich", "R. A. Kloner")
    assert (bauer.date, bauer.pmid, bauer.raw["Covidence #"]) == ("1999-06", None, "#1024")  # Embase accession
    assert (lee.id, lee.pages) == ("pmid:25466483", "2405-2410")  # an accession number of a PMID's form


def test_semicolons_utf16_and_own_export_are_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("Title;Authors;Year\nÉtude des chutes;Müller, Jürgen; Roe, Jane;2021\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"excel\.csv:2: row has 4 cells but the header row names 3 columns"):
        load_records(path)
    path.write_text('Title;Authors;Year\nÉtude des chutes;"Müller, Jürgen; Roe, Jane";2021\n', encoding="utf-8")
    [etude] = load_records(path)
    assert (etude.title, etude.authors, etude.year) == ("Étude des chutes", ("Jürgen Müller", "Jane Roe"), 2021)
    wos = tmp_path / "savedrecs.txt"
    wos.write_bytes((FORMATS / "wos.txt").read_text(encoding="utf-8-sig").encode("utf-16"))
    assert [r.id for r in load_records(wos)] == [r.id for r in load_records(FORMATS / "wos.txt")]
    records = load_records(FORMATS / "zotero.csv")
    again = tmp_path / "again.csv"
    again.write_text(export_records(records, "csv"))
    back = load_records(again)
    assert [(r.id, r.title, r.authors, r.date) for r in back] == [
        (r.id, r.title, r.authors, r.date) for r in records
    ]
    assert [s.category for s in back[0].sections] == ["background", "methods", "results"]
    # MEDLINE's "Aymard C, Gerardo A" ends in an initial like a surname-first name, but is one author
    pubmed = {"title": "Hyperdominance in Amazonian trees", "authors": ["Hans ter Steege", "Gerardo A Aymard C"]}
    again.write_text(export_records([record_from_dict(pubmed)], "csv"))
    assert load_records(again)[0].authors == ("Hans ter Steege", "Gerardo A Aymard C")


def test_broken_rows_are_reported_with_their_lines():
    records = load_skipping(
        FORMATS / "csv_broken.csv", r"csv_broken\.csv:3: row has 2 cells but the header row names 4", 3
    )
    assert [r.title for r in records] == ["A complete row", "A third row"]
    assert [e.line for e in records.skipped] == [3, 4, 6]
    assert "never closed" in str(records.skipped[2])


def test_a_header_without_a_title_column_says_what_to_do(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Name,Year\nA,2020\n")
    with pytest.raises(LoadError, match="cannot tell the format.*a Title column"):
        load_records(path)
    with pytest.raises(LoadError, match=r"list\.csv:1: .*header row with a Title column \(columns: Name, Year\)"):
        load_records(path, format="csv")
