"""Author fields as databases write them come out one "Given Family" name each, found by PubMed-style queries."""

from __future__ import annotations

import pytest

from searchlib import build_index, load_records
from searchlib.records.readers._names import split_authors
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"


@pytest.mark.parametrize(
    "field, names",
    [
        # Embase: every name in one field, nothing between them; particles and suffixes stay with their name.
        ("Lamb B. T. Call L. M. de Oliveira D. M.", ["B. T. Lamb", "L. M. Call", "D. M. de Oliveira"]),
        ("Mentzer R. M. Jr. Sanchez del Pulgar J.", ["R. M. Jr. Mentzer", "J. Sanchez del Pulgar"]),
        # ASySD and older Scopus: commas between surname-first names.
        ("Bauer B., Simkhovich B. Z., Kloner R. A.", ["B. Bauer", "B. Z. Simkhovich", "R. A. Kloner"]),
        ("Ito B. R., Del Balzo U., Joyeux-Faure M.", ["B. R. Ito", "U. Del Balzo", "M. Joyeux-Faure"]),
        # Scopus: "Surname I." and "Surname, I." between semicolons, initials run together.
        ("Anderson R.C.; Mansi S.A.", ["R. C. Anderson", "S. A. Mansi"]),
        ("Bertolini, F.M.; von Dohlen, A.R.", ["F. M. Bertolini", "A. R. von Dohlen"]),
        # Web of Science: "Surname, I" (AU) and "Surname, Forename" (AF).
        ("Kanjo, E; Younis, EMG", ["E Kanjo", "E M G Younis"]),
        ("Younis, Eman M. G.", ["Eman M. G. Younis"]),
        # PubMed's CSV, Rayyan, and what must stay one name.
        ("Lerro CC, Beane Freeman LE", ["C C Lerro", "L E Beane Freeman"]),
        ("Smith, John and Doe, Jane", ["John Smith", "Jane Doe"]),
        ("Beane Freeman, Laura E", ["Laura E Beane Freeman"]),
        ("Department of Health and Social Care", ["Department of Health and Social Care"]),
        ("Catherine C Lerro", ["Catherine C Lerro"]),
    ],
)
def test_author_fields_are_split_into_names(field, names):
    assert split_authors(field) == names


def test_embase_ris_gives_one_author_a_name_and_each_is_found():
    lamb, bauer = load_records(FORMATS / "embase.ris")
    assert lamb.authors == (
        "B. T. Lamb",
        "L. M. Call",
        "H. H. Slunt",
        "K. A. Bardel",
        "D. M. de Oliveira",
        "R. M. Jr. Mentzer",
        "J. Sanchez del Pulgar",
    )
    assert lamb.pmid is None  # AN is Embase's accession number
    assert bauer.authors == ("B. Bauer", "B. Z. Simkhovich", "R. A. Kloner")
    index = build_index([*load_records(FORMATS / "embase.ris"), *load_records(FORMATS / "scopus.csv")])
    for query in ("lamb bt[au]", "mentzer rm[au]", "de oliveira dm[au]", "sanchez del pulgar j[au]"):
        assert "10.9999/hmg.6.9.1535" in [hit.id for hit in index.search(query)], query
    assert [hit.id for hit in index.search("kloner ra[au]")] == [bauer.id]
    assert [hit.id for hit in index.search("bertolini fm[au]")] == ["10.3390/ani15010003"]
