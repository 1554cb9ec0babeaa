from __future__ import annotations

import pytest

from searchlib import QueryError, SearchlibError, build_index
from tests.conftest import dois

HYBRID = "10.1136/bmjqs-2024-017268"
REALIST = "10.1136/bmjqs-2024-017386"
HOIE = "10.1136/bmjqs-2024-017214"


def test_methods_interviews_finds_the_hybrid_intervention_paper(seed_index):
    results = seed_index.search("methods:interviews")
    assert results[0].doi == HYBRID
    assert "interview" in results[0].highlights["methods"].lower()
    assert "**" in results[0].highlights["methods"]


def test_section_search_is_confined_to_the_section(seed_index):
    # The realist review mentions interviews nowhere in its methods.
    assert REALIST not in dois(seed_index.search("methods:interviews"))
    # "inequalities" is in the realist review's conclusions, and in other papers' other sections.
    assert dois(seed_index.search("conclusions:inequalities")) == [REALIST]
    assert len(seed_index.search("inequalities")) > 1


def test_british_spelling_in_the_record_matches_american_query(seed_index):
    found = seed_index.search("randomized")
    assert HYBRID in dois(found)  # the record says "randomised"
    assert "randomised" in found[dois(found).index(HYBRID)].record.abstract
    assert "randomized" not in found[dois(found).index(HYBRID)].record.abstract


def test_author_without_accent_finds_accented_name(seed_index):
    assert dois(seed_index.search("au:Hoie")) == [HOIE]
    assert dois(seed_index.search("author:Høie")) == [HOIE]


@pytest.mark.parametrize("query", ["au:lawton", 'au:"Lawton R"', 'au:"Rebecca Lawton"', 'au:"Lawton, Rebecca"'])
def test_author_name_forms(seed_index, query):
    assert dois(seed_index.search(query)) == [HYBRID]


def test_author_phrase_does_not_cross_authors(seed_index):
    # "Rebecca Lawton, Laura Sheard": "Lawton Laura" is no one's name.
    assert dois(seed_index.search('au:"Lawton Laura"')) == []


def test_boolean_operators_phrases_and_wildcards(seed_index):
    both = set(dois(seed_index.search("antibiotic AND feedback")))
    either = set(dois(seed_index.search("antibiotic OR feedback")))
    neither = set(dois(seed_index.search("antibiotic NOT feedback")))
    assert both and both < either
    assert not (neither & both)
    assert dois(seed_index.search('"intensive care unit"'))
    assert dois(seed_index.search('"care intensive unit"')) == []
    assert set(dois(seed_index.search("antibio*"))) >= set(dois(seed_index.search("antibiotic")))


def test_year_ranges_and_fields(seed_index):
    in_2025 = seed_index.search("year:2025", limit=None)
    assert in_2025.total == 4 and all(h.year == 2025 for h in in_2025)
    span = seed_index.search("year:2024-2025", limit=None)
    assert span.total == 10
    assert seed_index.search("ti:realist")[0].doi == REALIST
    assert seed_index.search('journal:"quality & safety"', limit=None).total == 10
    assert dois(seed_index.search("doi:10.1136/bmjqs-2024-017386")) == [REALIST]


@pytest.mark.parametrize(
    "query, years",
    [
        ("year:[1000 TO 2020]", set()),
        ("year:1000-2024", {2024}),
        ("year:<2025", {2024}),
        ("year:>=2025", {2025}),
        ("year:[2025 TO 3000]", {2025}),
        ("year:1900-2023", set()),
        ("2020:2024[dp]", {2024}),
    ],
)
def test_wide_and_open_year_ranges_match_only_those_years(seed_index, query, years):
    assert {h.year for h in seed_index.search(query, limit=None)} == years


def test_title_matches_rank_above_abstract_only_matches(seed_index):
    results = seed_index.search("inequalities")
    titles = ["inequalit" in h.title.lower() for h in results]
    assert titles == sorted(titles, reverse=True)


def test_bare_words_require_all_by_default_and_any_on_request(seed_index):
    assert seed_index.search("antibiotic realist").total == 0
    assert seed_index.search("antibiotic realist", match="any").total >= 2


def test_plain_mode_reads_syntax_as_words(seed_index):
    text = 'Do "hybrid" interventions (in trials) work: AND'
    with pytest.raises(QueryError):
        seed_index.search('"hybrid interventions')
    assert seed_index.search(text, match="any", plain=True)[0].doi == HYBRID


@pytest.mark.parametrize(
    "query, message",
    [
        ('title:("unclosed', "unclosed quote"),
        ("(safety", "never closed"),
        ("safety)", "closes nothing"),
        ("foo:bar", "unknown field 'foo'"),
        ("title:", "has nothing after it"),
        ("year:abc", "needs a year"),
        ("", "empty"),
        ("the of and", "no words"),
        ("safety AND", "needs a term"),
    ],
)
def test_bad_queries_raise_query_error_with_a_readable_message(seed_index, query, message):
    with pytest.raises(QueryError, match=message):
        seed_index.search(query)


def test_query_error_is_a_searchlib_error():
    assert issubclass(QueryError, SearchlibError)


def test_results_and_hits_are_readable(seed_index):
    results = seed_index.search("care", limit=3)
    text = repr(results)
    assert text.splitlines()[0].startswith(f"{results.total} papers match 'care'")
    assert len(text.splitlines()) == 2 + len(results) and len(results) == 3
    assert "first author" in text
    assert repr(results[0]).startswith("<Hit 1:")
    assert results[0].to_dict()["doi"] == results[0].doi


def test_a_count_of_one_reads_as_english(seed_index):
    assert repr(seed_index.search("conclusions:inequalities")).startswith("1 paper matches 'conclusions:")
    assert "1 paper matches" in seed_index.search("conclusions:inequalities")._repr_html_()
    assert repr(seed_index.search("zzzyx")) == "0 papers match 'zzzyx'"


def test_total_counts_beyond_the_limit(seed_index):
    results = seed_index.search("care", limit=2)
    assert len(results) == 2 and results.total > 2


@pytest.mark.parametrize("limit", [0, -1, 2.5, "3"])
def test_a_limit_that_is_not_a_count_is_a_searchlib_error(seed_index, limit):
    with pytest.raises(SearchlibError, match="limit must be a whole number of 1 or more"):
        seed_index.search("care", limit=limit)
    with pytest.raises(SearchlibError, match="limit must be"):
        seed_index.similar("10.1136/bmjqs-2024-018081", limit=limit)


def test_hits_carry_sections_in_order(seed_index):
    hit = seed_index.search(f"doi:{HYBRID}")[0]
    assert [s.label for s in hit.sections] == ["Introduction", "Methods", "Results", "Discussion"]


def test_hits_say_which_labelled_section_matched(seed_index):
    hits = {hit.doi: hit for hit in seed_index.search("results:staff", limit=None)}
    allied = hits["10.1136/bmjqs-2024-017746"]  # its results section is labelled "Findings"
    [(section, snippet)] = allied.matched_sections()
    assert (section.label, section.category) == ("Findings", "results")
    assert "**staff**" in snippet
    unmatched = seed_index.search("ti:realist")[0]
    assert unmatched.matched_sections() == []


def test_any_searches_the_parts_of_a_hyphenated_word_at_a_lower_weight(seed_index):
    from searchlib._engine.schema import make_schema
    from searchlib.search.plan import COMPOUND_PART_WEIGHT, Planner, leaves
    from searchlib.search.syntax import parse

    def terms(text, match, known=None):
        plan = Planner(make_schema(), known).plan(parse(text, match=match), match)
        return [t for leaf in leaves(plan) for t in leaf.terms]

    weights = {(f, t): w for f, t, w in terms("patient-centred", "any")}
    assert weights[("tiab", "patientcent")] == 1.0
    assert weights[("tiab", "patient")] == weights[("tiab", "center")] == COMPOUND_PART_WEIGHT
    assert ("tiab", "patient") not in {(f, t) for f, t, _ in terms("patient-centred", "all")}
    # A word no paper has joined is searched by its parts at full weight.
    assert {w for f, _, w in terms("patient-centred", "any", lambda term: False) if f == "tiab"} == {1.0}
    assert len(seed_index.search("interviews-hospital", match="any")) == len(
        seed_index.search("interviews hospital", match="any")
    )


def test_a_snippet_shows_the_earliest_of_equally_good_passages(tmp_path):
    """Passages that match as well as each other: the first two are shown, the same ones every time (Whoosh's own
    choice among equals goes by where its objects happen to lie in memory)."""
    filler = " ".join(f"word{i}" for i in range(60))
    abstract = " ".join(f"Passage {n} on falls. {filler}." for n in ("one", "two", "three", "four", "five"))
    index = build_index([{"title": "A paper", "doi": "10.1/x", "abstract": abstract}])
    for _ in range(5):
        snippet = index.search("falls")[0].highlights["abstract"]
        assert "Passage one" in snippet and "Passage two" in snippet and "five" not in snippet, snippet
