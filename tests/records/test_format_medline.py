from __future__ import annotations

import pytest

from searchlib import LoadError, load_records
from tests.conftest import FIXTURES

NBIB = FIXTURES / "formats" / "pubmed.nbib"


def test_citations_with_continuation_lines():
    with pytest.warns(UserWarning, match="skipped 1"):
        records = load_records(NBIB, errors="skip")
    first, second = records
    assert first.id == "10.1136/oemed-2017-104431" and (first.pmid, first.pmcid) == ("28775130", "PMC5771820")
    assert (
        first.title
        == "Occupational pesticide exposure and subclinical hypothyroidism among male pesticide applicators."
    )
    assert first.authors == (
        "Catherine C Lerro",
        "Laura E Beane Freeman",
        "Agricultural Health Study Investigators",
    )
    assert (first.journal, first.volume, first.pages, first.date) == (
        "Occupational and environmental medicine",
        "75",
        "79-89",
        "2018-02",
    )
    assert second.id == "pmid:2930949" and second.authors == ("Reuler JB",) and second.journal == "West J Med"


def test_inline_labels_become_sections():
    with pytest.warns(UserWarning):
        first = load_records(NBIB, errors="skip")[0]
    assert [(s.label, s.category) for s in first.sections] == [
        ("OBJECTIVES", "objective"), ("METHODS", "methods"), ("RESULTS", "results"), ("CONCLUSIONS", "conclusions")
    ]  # fmt: skip
    assert (
        first.sections[0].text == "Animal studies suggest that exposure to pesticides may alter thyroid function."
    )


def test_a_stray_line_names_its_citation_and_line():
    with pytest.raises(LoadError) as info:
        load_records(NBIB)
    assert info.value.line == 37  # the citation starts there
    assert "line 39 is neither" in str(info.value)


def test_same_ids_as_pubmed_xml():
    with pytest.warns(UserWarning):
        nbib = {r.id for r in load_records(NBIB, errors="skip")}
    xml = {r.id for r in load_records(FIXTURES / "formats" / "pubmed.xml")}
    assert nbib <= xml and len(nbib) == 2
