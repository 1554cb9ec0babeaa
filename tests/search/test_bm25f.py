"""BM25F: a bare word scores title and abstract as one text, so a paper known only by its title is ranked by it.

Expected scores are worked out here from Robertson and Zaragoza's formula, on the papers' words as the
index's analyzer gives them, and compared with what searches and explanations return.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest

import searchlib
from searchlib._engine.schema import stored_records
from searchlib.analysis import paper_analyzer
from searchlib.records.readers.seed import record_from_dict
from searchlib.search import ranking

TITLE = "Warfarin dosing in elderly patients"
PAPERS = [
    ("title-only", TITLE, ""),
    ("other-words", TITLE, "A registry cohort followed bleeding events for two years."),
    ("repeats", TITLE, "Warfarin doses were adjusted weekly in elderly patients by pharmacists."),
    ("abstract-only", "Anticoagulation clinics", "Warfarin monitoring by pharmacists in rural clinics."),
    ("hip", "Hip fracture surgery delays", "Delays before surgery raised mortality in elderly patients."),
    ("asthma", "Inhaled steroids in childhood asthma", "Children with asthma used inhalers for a year."),
    ("stroke", "Stroke units and mortality", ""),
    ("flu", "Influenza vaccination of nurses", "Vaccinating nurses reduced influenza among older patients."),
]


@pytest.fixture(scope="module")
def index():
    ix = searchlib.build_index([record_from_dict({"_id": i, "title": t, "text": a}) for i, t, a in PAPERS])
    yield ix
    ix.close()


def _words(text: str) -> list[str]:
    return [t.text for t in paper_analyzer()(text, mode="index")]


def expected_scores(query_words: list[str], every_word: bool) -> dict[str, float]:
    """Each matching paper's BM25F score, from the formula: per word, the title's count times the title's
    weight plus the abstract's, scored by BM25 with the paper's length weighted alike (title length times the
    weight plus abstract length) and the idf of the papers holding the word in either field; papers holding
    every word (``every_word``) or any."""
    titles = {i: _words(t) for i, t, _ in PAPERS}
    abstracts = {i: _words(a) for i, _, a in PAPERS}
    n = len(PAPERS)
    k1, b, weight = ranking.K1, ranking.B, ranking.TITLE_WEIGHT
    length = {i: weight * len(titles[i]) + len(abstracts[i]) for i in titles}
    average = sum(length.values()) / n
    scores: dict[str, float] = {}
    held: dict[str, int] = Counter()
    for word in query_words:
        having = [i for i in titles if word in titles[i] or word in abstracts[i]]
        idf = math.log(1 + (n - len(having) + 0.5) / (len(having) + 0.5))
        for i in having:
            tf = weight * titles[i].count(word) + abstracts[i].count(word)
            scores[i] = scores.get(i, 0.0) + idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length[i] / average))
            held[i] += 1
    if every_word:
        return {i: s for i, s in scores.items() if held[i] == len(query_words)}
    return scores


def test_a_title_only_paper_scores_as_bm25f_promises(index):
    results = index.search("warfarin", limit=None)
    scores = {hit.id: hit.score for hit in results}
    expected = expected_scores(["warfarin"], every_word=True)
    assert set(scores) == set(expected) == {"title-only", "other-words", "repeats", "abstract-only"}
    for paper, score in expected.items():
        assert scores[paper] == pytest.approx(score, rel=1e-9), paper
    # The same title with an abstract that does not repeat the word: the same evidence in a longer paper, so
    # a little less; far more than half (a paper's title does not count for less when it has no abstract).
    assert 0.75 * scores["title-only"] < scores["other-words"] < scores["title-only"]
    # Saying it again in the abstract adds evidence, but saturates: less than twice the title's alone.
    assert scores["other-words"] < scores["repeats"] < 2 * scores["other-words"]
    # A word in the title counts for more than the same word once in an abstract.
    assert scores["other-words"] > scores["abstract-only"]


def test_typed_queries_needing_every_word_rank_by_bm25f(index):
    results = index.search("warfarin elderly", limit=None)
    expected = expected_scores(["warfarin", "elder"], every_word=True)
    assert {hit.id: hit.score for hit in results} == pytest.approx(expected, rel=1e-9)
    assert [hit.score for hit in results] == pytest.approx(sorted(expected.values(), reverse=True), rel=1e-9)


def test_any_word_queries_rank_by_bm25f(index):
    results = index.search("warfarin mortality", match="any", limit=None, feedback=False)
    expected = expected_scores(["warfarin", "mortal"], every_word=False)
    assert {hit.id: hit.score for hit in results} == pytest.approx(expected, rel=1e-9)


def test_explain_shows_each_fields_count_and_adds_up(index):
    scores = {hit.id: hit.score for hit in index.search("warfarin OR elderly", limit=None)}
    for paper in ("title-only", "repeats", "hip"):
        e = index.explain("warfarin OR elderly", paper)
        assert e.score == pytest.approx(scores[paper], rel=1e-9)
        for part in e.parts:
            assert part.field == ranking.TIAB and [c.field for c in part.counts] == ["title", "abstract"]
            # The parts shown give the score: the weighted count and length, then BM25.
            tf = sum(c.weight * c.count for c in part.counts)
            length = sum(c.weight * c.length for c in part.counts)
            assert (part.tf, part.length) == (tf, length)
            norm = part.k1 * (1 - part.b + part.b * length / part.average_length)
            assert part.score == pytest.approx(part.boost * part.idf * tf * (part.k1 + 1) / (tf + norm))
        assert "BM25F" in str(e)
    title_only = index.explain("warfarin", "title-only").parts[0]
    assert [c.count for c in title_only.counts] == [1, 0] and title_only.df == 4
    assert title_only.length == ranking.TITLE_WEIGHT * len(_words(TITLE))


def test_a_field_named_alone_scores_by_bm25_on_that_field(index):
    results = index.search("ti:warfarin", limit=None)
    titles = {i: _words(t) for i, t, _ in PAPERS}
    n, average = len(PAPERS), sum(map(len, titles.values())) / len(PAPERS)
    k1, b = ranking.K1, ranking.B
    df = sum("warfarin" in t for t in titles.values())
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    expected = {
        i: idf * t.count("warfarin") * (k1 + 1) / (t.count("warfarin") + k1 * (1 - b + b * len(t) / average))
        for i, t in titles.items()
        if "warfarin" in t
    }
    assert {hit.id: hit.score for hit in results} == pytest.approx(expected, rel=1e-9)


def test_feedback_takes_as_much_from_a_title_only_paper_as_from_one_with_an_abstract(index, monkeypatch):
    """Two feedback papers scoring alike give their words the same say in all, however long each is."""
    from searchlib.search import feedback
    from searchlib.search.plan import Terms

    searcher = index._current_searcher()
    docnum = {stored_records(searcher).id(d): d for d in range(searcher.doc_count_all())}
    seen: list[dict[str, float]] = []
    real = feedback.best_words
    monkeypatch.setattr(
        feedback, "best_words", lambda in_top, *a, **k: seen.append(dict(in_top)) or real(in_top, *a, **k)
    )
    plan = Terms(((ranking.TIAB, "stroke", 1.0),))
    feedback.expand(searcher, plan, [(1.0, docnum["stroke"]), (1.0, docnum["flu"])])
    stroke = set(_words(PAPERS[6][1]))  # the title-only paper's words, none of them in the other paper
    flu = set(_words(PAPERS[7][1] + " " + PAPERS[7][2]))
    assert not stroke & flu and len(flu) > 2 * len(stroke)
    (counts,) = seen
    assert sum(counts[w] for w in stroke) == pytest.approx(sum(counts[w] for w in flu))
