"""Pasted text (``plain=True, match="any"``) is turned into a query without Whoosh's parser; the query must be
exactly the one the parser makes, term for term, boost for boost, in the same order."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from searchlib import QueryError


def _both(parser, text: str, monkeypatch, known=None):
    """(the query built from the words, the query Whoosh's parser makes), or the QueryError each raises."""

    def attempt():
        try:
            return parser.parse(text, match="any", plain=True, known=known)
        except QueryError as exc:
            return ("QueryError", str(exc))

    fast = attempt()
    with monkeypatch.context() as m:
        m.setattr(parser, "_plain_or", lambda text, known=None: None)
        slow = attempt()
    return fast, slow


def test_sentences_of_the_seed_abstracts_parse_as_whoosh_parses_them(seed_index, seed_records, monkeypatch):
    parser = seed_index._parser
    texts = [r.title for r in seed_records]
    texts += [s for r in seed_records for s in re.split(r"(?<=\.)\s+", r.abstract) if s]
    assert len(texts) > 50
    built = 0
    for text in texts:
        fast, slow = _both(parser, text, monkeypatch)
        assert fast == slow and str(fast) == str(slow), text
        built += parser._plain_or(text) is not None
    assert built > len(texts) / 2  # most of them never reach Whoosh's parser


@pytest.mark.parametrize("known", [None, lambda term: False, lambda term: term != "tissueresid"])
def test_hyphenated_words_parts_are_added_as_whoosh_adds_them(seed_index, monkeypatch, known):
    text = "tissue-resident memory T-cells, 95% of IL-10 and tissue-resident"
    fast, slow = _both(seed_index._parser, text, monkeypatch, known)
    assert fast == slow and str(fast) == str(slow)
    assert ("abstract", "tissu") in {(t.fieldname, t.text) for t in fast.leaves()}


@pytest.mark.parametrize(
    "text",
    [
        "level levels LEVEL",  # a term two words share is searched once
        "care care care safety",  # a word said three times counts three times
        "COVID-19 covid19 Covid-19 patients' views",
        "Smith-Jones's 95% CI, p = 0.05 and p<0.05",
        "and or not AND OR NOT",
        "the of and",  # only stopwords: the same error
        "Høie bent Hoie",
        "title:safety -culture (wards)",
        "a",
    ],
)
def test_awkward_text_parses_as_whoosh_parses_it(seed_index, monkeypatch, text):
    fast, slow = _both(seed_index._parser, text, monkeypatch)
    assert fast == slow and str(fast) == str(slow)


def test_repeated_words_weigh_more_and_shared_terms_are_searched_once(seed_index):
    q = seed_index._parser.parse("level levels care care", match="any", plain=True)
    terms = [(t.fieldname, t.text, t.boost) for t in q.leaves()]
    assert ("abstract", "level", 1.0) in terms and ("abstract", "care", 2.0) in terms
    assert len(terms) == len(set(terms))


WORDS = st.sampled_from(
    ["safety", "culture", "COVID-19", "patients'", "95%", "0.05", "AND", "or", "the", "Høie", "x-ray", "NF-κB"]
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=12).map(" ".join))
@example("-culture safety-")
@example("0 0\x800")  # "0\x800" analyses to "0" twice: one word said twice with "0"
@example("'quoted' \"twice\" [br] {ac} ^2 ~1 * ? + \\ /")
def test_generated_text_parses_as_whoosh_parses_it(seed_index, monkeypatch, text):
    fast, slow = _both(seed_index._parser, text, monkeypatch)
    assert fast == slow and str(fast) == str(slow)
