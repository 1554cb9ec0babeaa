"""Explanations: the terms' scores add up to the paper's score, with BM25F's parts filled in."""

from __future__ import annotations

import math

import pytest

from searchlib import SearchlibError
from searchlib.search import ranking
from searchlib.search.plan import FIELD_WEIGHTS as FIELD_BOOSTS

HYBRID = "10.1136/bmjqs-2024-017268"
ICU_ANTIBIOTICS = "10.1136/bmjqs-2024-017796"

QUERIES = [
    "methods:interviews",
    "safety OR care",
    "antibiotic^3 feedback",
    '"intensive care" antibio* au:"Ten Oever"',
    "year:2020-2025 antibiotic NOT covid",
    "hospital*",
    "(lawton r[au] OR wiig s[au]) AND 2020:2025[dp]",
]


@pytest.mark.parametrize("query", QUERIES)
def test_term_scores_sum_to_every_hits_score(seed_index, query):
    results = seed_index.search(query, limit=None)
    assert results.total
    for hit in results:
        e = seed_index.explain(query, hit.doi)
        assert e.matched
        assert sum(p.score for p in e.parts) == pytest.approx(hit.score, rel=1e-9)
        assert e.score == pytest.approx(hit.score, rel=1e-9)


def test_bm25_components_of_a_field_searched_alone_reproduce_each_term_score(seed_index):
    e = seed_index.explain("ti:intensive OR ab:antibiotic^2", ICU_ANTIBIOTICS)
    plain = [p for p in e.parts if p.kind == "term"]
    assert {p.field for p in plain} == {"title", "abstract"}
    for p in plain:
        assert p.idf == pytest.approx(math.log(1 + (p.papers - p.df + 0.5) / (p.df + 0.5)))
        norm = p.tf + p.k1 * (1 - p.b + p.b * p.length / p.average_length)
        assert p.score == pytest.approx(p.boost * p.idf * p.tf * (p.k1 + 1) / norm)
        assert (p.k1, p.b) == (ranking.K1, ranking.B)
    abstract = next(p for p in plain if p.field == "abstract")
    assert abstract.boost == 2


def test_a_bare_word_is_explained_as_title_and_abstract_together(seed_index):
    e = seed_index.explain("intensive OR antibiotic", ICU_ANTIBIOTICS)
    assert {p.field for p in e.parts} == {"tiab"} == set(e.by_field())
    for p in e.parts:
        assert all(c.count for c in p.counts) and len(p.counts) == 2  # the paper has both words in both
        assert p.boost == FIELD_BOOSTS["tiab"]
        norm = p.k1 * (1 - p.b + p.b * p.length / p.average_length)
        assert p.score == pytest.approx(p.boost * p.idf * p.tf * (p.k1 + 1) / (p.tf + norm))


def test_explanation_reads_in_plain_words(seed_index):
    text = str(seed_index.explain("methods:interviews", HYBRID))
    assert "methods" in text and "interview" in text and "idf" in text and f"k1 {ranking.K1:g}" in text
    assert f"{HYBRID} scores" in text
    by_field = seed_index.explain("interviews", HYBRID).by_field()
    assert list(by_field) == ["tiab"]


def test_a_paper_that_does_not_match_says_so(seed_index):
    e = seed_index.explain("methods:interviews", "10.1136/bmjqs-2024-017386")
    assert not e.matched and e.score is None and e.parts == ()
    assert "does not match" in str(e)


def test_unknown_paper_is_an_error(seed_index):
    with pytest.raises(SearchlibError, match="no paper"):
        seed_index.explain("care", "10.9/none")
