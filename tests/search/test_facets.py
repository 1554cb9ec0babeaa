"""Year and journal filters, sort orders, and facet counts over the whole match set."""

from __future__ import annotations

import pytest

import searchlib
from searchlib import QueryError
from tests.conftest import dois

RECORDS = [
    {"doi": "10.1/a", "title": "Falls in hospital wards", "journal": "BMJ Quality & Safety", "date": "2019-03-01"},
    {"doi": "10.1/b", "title": "Falls prevention at home", "journal": "Age and Ageing", "date": "2021-06-15"},
    {"doi": "10.1/c", "title": "Falls and fractures", "journal": "Age and Ageing", "date": "2023-01-10"},
    {
        "doi": "10.1/d",
        "title": "Falls in care homes",
        "journal": "Revista Española de Geriatría",
        "date": "2023-11-30",
    },
    {"doi": "10.1/e", "title": "Hand hygiene audits", "journal": "Age and Ageing", "date": "2022-02-02"},
]


@pytest.fixture(scope="module")
def index():
    ix = searchlib.build_index(RECORDS)
    yield ix
    ix.close()


def test_year_filter_one_year_a_range_and_open_ends(index):
    assert set(dois(index.search("falls", year=2023))) == {"10.1/c", "10.1/d"}
    assert set(dois(index.search("falls", year=(2020, 2022)))) == {"10.1/b"}
    assert set(dois(index.search("falls", year=(None, 2020)))) == {"10.1/a"}
    assert set(dois(index.search("falls", year=(2021, None)))) == {"10.1/b", "10.1/c", "10.1/d"}


def test_journal_filter_ignores_case_accents_and_punctuation(index):
    assert set(dois(index.search("falls", journal="age and ageing"))) == {"10.1/b", "10.1/c"}
    assert dois(index.search("falls", journal="revista espanola de geriatria")) == ["10.1/d"]
    assert set(dois(index.search("falls", journal=["Age and Ageing", "BMJ Quality & Safety"]))) == {
        "10.1/a",
        "10.1/b",
        "10.1/c",
    }
    assert index.search("falls", journal="The Lancet").total == 0


def test_filters_combine_and_count_in_total(index):
    results = index.search("falls", year=(2022, 2023), journal="Age and Ageing")
    assert dois(results) == ["10.1/c"] and results.total == 1


def test_sort_by_date_both_ways_keeps_relevance_scores(index):
    oldest = index.search("falls", sort="date")
    newest = index.search("falls", sort="-date")
    assert dois(oldest) == ["10.1/a", "10.1/b", "10.1/c", "10.1/d"]
    assert dois(newest) == list(reversed(dois(oldest)))
    by_relevance = {h.doi: h.score for h in index.search("falls")}
    assert all(h.score == pytest.approx(by_relevance[h.doi]) for h in newest)


def test_bad_filter_and_sort_values_are_query_errors(index):
    with pytest.raises(QueryError, match="sort must be"):
        index.search("falls", sort="newest")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="ends no earlier than it starts"):
        index.search("falls", year=(2024, 2020))
    with pytest.raises(QueryError, match="year must be"):
        index.search("falls", year="2020")  # type: ignore[arg-type]


def test_facets_count_the_whole_match_set_not_the_page(index):
    results = index.search("falls", limit=1)
    assert len(results) == 1 and results.total == 4
    assert results.facets("year") == {2023: 2, 2021: 1, 2019: 1}
    assert results.facets("journal") == {
        "Age and Ageing": 2,
        "BMJ Quality & Safety": 1,
        "Revista Española de Geriatría": 1,
    }


def test_facets_respect_the_filters(index):
    assert index.search("falls", year=2023).facets("journal") == {
        "Age and Ageing": 1,
        "Revista Española de Geriatría": 1,
    }


def test_section_facet_on_the_seed(seed_index):
    results = seed_index.search("care", limit=2)
    sections = results.facets("section")
    assert results.total > 2
    assert sections["methods"] == 7 and sections["objective"] == 3
    assert list(sections.values()) == sorted(sections.values(), reverse=True)  # most frequent first
    assert seed_index.search("BMJ Qual Saf[ta]").facets("journal") == {"BMJ Quality & Safety": 10}


def test_unknown_facet_is_an_error(index):
    with pytest.raises(QueryError, match="no facet 'author'"):
        index.search("falls").facets("author")
