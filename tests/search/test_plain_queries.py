"""Pasted text (``plain=True, match="any"``) is searched as the OR of its words' terms, by documented rules.

The rules, written out here from the docs rather than taken from the planner: each run of characters between
white space and query-syntax characters is a word; each word is analysed as a query in title and abstract
together (``tiab``, scored by BM25F) and in authors; in title and abstract, the parts a hyphenated word is
indexed under are searched too, at a quarter of its weight (its full weight when no paper has the word joined); a
word said n times weighs n times; a term two words share is searched once.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from searchlib import QueryError
from searchlib.search.plan import Planner, Terms
from searchlib.search.syntax import parse

_SEPARATORS = re.compile(r"[\"'()\[\]{}:^~*?+\\/<>=]|(?<!\w)-|-(?!\w)")


def expected_terms(schema, text: str, known=None) -> tuple[tuple[str, str, float], ...]:
    groups: Counter[tuple] = Counter()
    for word in _SEPARATORS.sub(" ", text).split():
        group = []
        for field, analysed_as in (("tiab", "abstract"), ("authors", "authors")):
            said = list(schema[analysed_as].process_text(word, mode="query"))
            group += [(field, term, 1.0) for term in said]
            if said and field != "authors":
                indexed = dict.fromkeys(schema[analysed_as].process_text(word, mode="index"))
                parts = [term for term in indexed if term not in said]
                part_weight = 1.0 if known is not None and not any(map(known, said)) else 0.25
                group += [(field, part, part_weight) for part in parts]
        if group:
            groups[tuple(dict.fromkeys(group))] += 1
    return tuple(dict.fromkeys((f, t, w * n) for group, n in groups.items() for f, t, w in group))


def planned(seed_index, text: str, known=None):
    schema = seed_index._current_searcher().schema
    try:
        plan = Planner(schema, known).plan(parse(text, match="any", plain=True), "any")
    except QueryError as exc:
        return ("QueryError", str(exc))
    assert type(plan) is Terms
    return plan.terms


def _check(seed_index, text: str, known=None) -> None:
    schema = seed_index._current_searcher().schema
    want = expected_terms(schema, text, known)
    got = planned(seed_index, text, known)
    if not want:
        assert got[0] == "QueryError"
    else:
        assert got == want, text


def test_sentences_of_the_seed_abstracts_are_searched_by_the_rules(seed_index, seed_records):
    texts = [r.title for r in seed_records]
    texts += [s for r in seed_records for s in re.split(r"(?<=\.)\s+", r.abstract) if s]
    assert len(texts) > 50
    for text in texts:
        _check(seed_index, text)


@pytest.mark.parametrize("known", [None, lambda term: False, lambda term: term != "tissueresid"])
def test_hyphenated_words_parts_are_added(seed_index, known):
    text = "tissue-resident memory T-cells, 95% of IL-10 and tissue-resident"
    _check(seed_index, text, known)
    weights = {(f, t): w for f, t, w in planned(seed_index, text, known)}
    part = 1.0 if known is not None and not known("tissueresid") else 0.25
    assert weights["tiab", "tissu"] == pytest.approx(2 * part)  # said twice
    assert weights["tiab", "tissueresid"] == 2.0


@pytest.mark.parametrize(
    "text",
    [
        "level levels LEVEL",  # a term two words share is searched once
        "care care care safety",  # a word said three times counts three times
        "COVID-19 covid19 Covid-19 patients' views",
        "Smith-Jones's 95% CI, p = 0.05 and p<0.05",
        "1,000 genomes and Ptdlns(3,4)P 2",
        "and or not AND OR NOT",
        "the of and",  # only stopwords: an error
        "Høie bent Hoie",
        "title:safety -culture (wards)",
        "a",
    ],
)
def test_awkward_text_is_searched_by_the_rules(seed_index, text):
    _check(seed_index, text)


def test_repeated_words_weigh_more_and_shared_terms_are_searched_once(seed_index):
    terms = planned(seed_index, "level levels care care")
    assert ("tiab", "level", 1.0) in terms and ("tiab", "care", 2.0) in terms
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
def test_generated_text_is_searched_by_the_rules(seed_index, text):
    if not text.strip() or re.fullmatch(r"[\x00-\x08\x0b-\x1f\x7f\s]*", text):
        return
    _check(seed_index, re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text))
