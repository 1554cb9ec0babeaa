"""Searches ranked term by term give what Whoosh's own search of the same plan gives: papers, scores, totals.

Whoosh is the oracle: each query's plan (terms, year ranges, AND, OR, NOT, AND MAYBE) is turned into Whoosh's
query objects and searched with Whoosh's matchers and its BM25 scorer given searchlib's idf
(:class:`searchlib.search.ranking.PaperBM25`), on an index in one segment, in several (after ``add``), and with
deleted and replaced papers.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import query as wq

import searchlib
from searchlib._engine import postings
from searchlib._engine.schema import stored_records
from searchlib.index import _in_papers
from searchlib.search import facets, feedback, ranking, syntax, termwise
from searchlib.search.feedback import expand, feedback_papers
from searchlib.search.match import Matcher
from searchlib.search.plan import Planner, Terms, Values
from searchlib.search.ranking import PaperBM25
from searchlib.search.tree import And, AndMaybe, AndNot, Or

CLAIMS = [
    "Hybrid interventions allow adaptation to the local context while maintaining fidelity in patient safety.",
    "Older patients and their families are more involved in care transitions from hospital to home.",
    "Antibiotic therapy in the intensive care unit lasts longer than guidelines recommend.",
    "Interviews with staff found that audit and feedback improved hand hygiene on wards.",
    "Nurses report that missed care is associated with staffing levels and patient mortality.",
    "safety",
    "care care care safety",  # repeated words count more the more they are said
    "randomised trial of COVID-19 vaccination in children",
]
#: Not plain text: searched with match="any" and the query syntax.
FIELDED = [
    "ti:safety^2 OR ab:culture",
    "title:hospital OR methods:interviews OR results:mortality",
    "safety^3 care^0.5 hospital",
    "(patient OR staff) OR (wards OR unit)",
]


def _generated(n: int, seed_records) -> list[dict]:
    """``n`` papers made from the seed papers' sentences, shuffled: enough papers for postings of many blocks."""
    rng = random.Random(5)
    sentences = [s for r in seed_records for s in re.split(r"(?<=\.)\s+", r.abstract or "") if len(s) > 30]
    journals = ["BMJ Quality & Safety", "The Lancet", "Nursing Open"]
    out = []
    for i in range(n):
        base = seed_records[i % len(seed_records)]
        picked = rng.sample(sentences, rng.randint(2, 8))
        if i % 2:
            abstract = (
                f"<p><strong>Methods: </strong>{' '.join(picked[:2])}</p>"
                f"<p><strong>Results: </strong>{' '.join(picked[2:])}</p>"
            )
        else:
            abstract = f"<p>{' '.join(picked)}</p>"
        words = base.title.split()
        rng.shuffle(words)
        out.append(
            {
                "doi": f"10.9999/gen-{i}",
                "title": " ".join(words[: rng.randint(4, len(words))]),
                "authors": list(base.authors[: rng.randint(1, max(1, len(base.authors)))]),
                "journal": journals[i % 3],
                "date": f"{2015 + i % 11}-01-01",
                "abstract": abstract,
            }
        )
    return out


@pytest.fixture(scope="module")
def indexes(tmp_path_factory, seed_path, seed_records):
    """One index per layout: one segment; three segments; three segments with deleted and replaced papers."""
    made = _generated(300, seed_records)
    root = tmp_path_factory.mktemp("termwise")
    single = searchlib.build_index([*seed_records, *made], root / "single")
    several = searchlib.build_index(seed_path, root / "several")
    several.add(made[:150])
    several.add(made[150:])
    holes = searchlib.build_index(seed_path, root / "holes")
    holes.add(made[:200])
    holes.add(made[200:])
    holes.add([dict(r, title=r["title"] + " revisited") for r in made[40:60]])  # merged: earlier copies deleted
    holes.delete(["10.1136/bmjqs-2024-017268", "10.9999/gen-7", "10.9999/gen-250", "10.9999/gen-299"])
    built = {"single": single, "several": several, "holes": holes}
    yield built
    for ix in built.values():
        ix.close()


def _search(index, query, **kwargs):
    results = index.search(query, **kwargs)
    return [(hit.id, hit.score) for hit in results], results.total


def _leaf_query(plan):
    """A leaf of a plan as Whoosh's query objects (title and abstract together aside: :func:`_tiab_scores`)."""
    if type(plan) is Terms:
        terms = [wq.Term(f, t, boost=w) for f, t, w in plan.terms if f != ranking.TIAB]
        return terms[0] if len(terms) == 1 else wq.Or(terms)
    assert type(plan) is Values, plan
    return wq.NumericRange(
        "year", plan.low, plan.high, not plan.include_low, not plan.include_high, boost=plan.weight
    )


def _scores(searcher, plan) -> dict[int, float]:
    """Each matching paper's score: leaves scored by Whoosh's search, combinations worked out here."""
    kind = type(plan)
    if kind in (Terms, Values):
        collector = searcher.collector(limit=None, optimize=False)
        searcher.search_with_collector(_leaf_query(plan), collector)
        found = {hit.docnum: hit.score for hit in collector.results()}
        for field, text, weight in plan.terms if kind is Terms else ():
            if field == ranking.TIAB:
                for docnum, score in _tiab_scores(searcher, text).items():
                    found[docnum] = found.get(docnum, 0.0) + weight * score
        return found
    if kind in (And, Or):
        parts = [_scores(searcher, p) for p in plan.parts]
        keys = set.intersection(*map(set, parts)) if kind is And else set().union(*parts)
        return {d: sum(part.get(d, 0.0) for part in parts) for d in keys}
    if kind is AndNot:
        negative = _scores(searcher, plan.negative)
        return {d: s for d, s in _scores(searcher, plan.positive).items() if d not in negative}
    assert kind is AndMaybe, plan
    optional = _scores(searcher, plan.optional)
    return {d: s + optional.get(d, 0.0) for d, s in _scores(searcher, plan.required).items()}


def _tiab_scores(searcher, text: str) -> dict[int, float]:
    """BM25F of a term over title and abstract, from Whoosh's postings and stored lengths: the fields' counts
    and lengths weighted and summed, then BM25; the idf from the papers holding the term in either field,
    deleted ones counted (as Whoosh counts them in a field's) from their stored text."""
    tf: dict[int, float] = {}
    holding = set()
    for field, weight in ranking.TIAB_FIELDS.items():
        analyzer = searcher.schema[field].analyzer
        for sub, base in searcher.leaf_searchers():
            reader = sub.reader()
            if (field, text) not in reader:
                continue
            for docnum, count in reader.postings(field, text).items_as("weight"):
                tf[base + docnum] = tf.get(base + docnum, 0.0) + weight * count
            for docnum in range(reader.doc_count_all()) if reader.has_deletions() else ():
                if reader.is_deleted(docnum):
                    stored = stored_records(reader).record(docnum)
                    if text in {t.text for t in analyzer(getattr(stored, field) or "", mode="index")}:
                        holding.add(base + docnum)
    holding |= set(tf)
    reader = searcher.reader()
    average = sum(w * searcher.avg_field_length(f) for f, w in ranking.TIAB_FIELDS.items())
    n, k1, b = searcher.doc_count_all(), ranking.K1, ranking.B
    idf = math.log(1 + (n - len(holding) + 0.5) / (len(holding) + 0.5))
    scores = {}
    for d, f in tf.items():
        length = sum(w * (reader.doc_field_length(d, field) or 0) for field, w in ranking.TIAB_FIELDS.items())
        scores[d] = idf * f * (k1 + 1) / (f + k1 * (1 - b + b * length / average))
    return scores


def _whoosh(index, query, *, limit=10, match="all", plain=False, feedback=None, year=None, journal=None):
    """``index.search(...)``'s hits and total, found by Whoosh's own search of the same plan's terms. Feedback's
    added words are chosen by the library (their choice has tests of its own); Whoosh scores the expanded plan."""
    searcher = index._current_searcher()
    plan = Planner(searcher.schema, _in_papers(searcher)).plan(syntax.parse(query, match, plain), match)
    allowed = facets.allowed(searcher, year, journal)
    if feedback if feedback is not None else match == "any":
        scores = Matcher(searcher).scores(plan, allowed)
        plan = expand(searcher, plan, feedback_papers(searcher, scores), loosen=match == "any")
    with index._ix.searcher(weighting=PaperBM25()) as s:
        found = _scores(s, plan)
        if allowed is not None:
            found = {d: score for d, score in found.items() if allowed[d]}
        ids = {d: stored_records(s).id(d) for d in found}
        best = sorted(found.items(), key=lambda ds: (-ds[1], ids[ds[0]]))[:limit]  # ties by paper id
        return [(ids[d], score) for d, score in best], len(found)


def _same(index, query, **kwargs):
    fast, fast_total = _search(index, query, **kwargs)
    slow, slow_total = _whoosh(index, query, **kwargs)
    assert [i for i, _ in fast] == [i for i, _ in slow], query
    assert [s for _, s in fast] == pytest.approx([s for _, s in slow], rel=1e-12), query
    assert fast_total == slow_total, query
    return fast, fast_total


def test_the_indexes_have_the_layouts_they_are_meant_to(indexes):
    assert indexes["single"].stats()["segments"] == 1
    assert indexes["several"].stats()["segments"] == 3
    holes = indexes["holes"]
    reader = holes._current_searcher().reader()
    assert holes.stats()["segments"] >= 3 and reader.has_deletions()
    assert len(holes) == 10 + 300 - 4
    # Common words have postings of several blocks (Whoosh writes 128 postings a block).
    assert indexes["single"]._current_searcher().doc_frequency("abstract", "patient") > 128


@pytest.mark.parametrize("layout", ["single", "several", "holes"])
@pytest.mark.parametrize("limit", [10, 100, None])
@pytest.mark.parametrize("feedback", [False, None])
def test_claims_rank_as_whoosh_ranks_them(indexes, layout, limit, feedback):
    index = indexes[layout]
    for claim in CLAIMS:
        hits, total = _same(index, claim, limit=limit, match="any", plain=True, feedback=feedback)
        assert total > 0 and len(hits) == (total if limit is None else min(limit, total))


@pytest.mark.parametrize("layout", ["single", "holes"])
def test_fielded_and_boosted_queries_rank_as_whoosh_ranks_them(indexes, layout):
    for query in FIELDED:
        _same(indexes[layout], query, limit=20, match="any")


@pytest.mark.parametrize("layout", ["single", "several", "holes"])
def test_year_and_journal_filters_rank_and_count_as_whoosh_does(indexes, layout):
    index = indexes[layout]
    for claim in CLAIMS[:5]:
        _same(index, claim, limit=10, match="any", plain=True, year=(2018, 2021))
        _same(index, claim, limit=10, match="any", plain=True, journal="The Lancet")
        _same(index, claim, limit=10, match="any", plain=True, year=2016, journal=["nursing open", "The Lancet"])
        hits, total = _same(index, claim, match="any", plain=True, year=1900)
        assert hits == [] and total == 0


@pytest.mark.parametrize("layout", ["single", "holes"])
def test_postings_are_decoded_once_per_searcher_and_ranked_the_same_from_memory(indexes, layout, monkeypatch):
    index = indexes[layout]
    index.close()  # a new searcher, with nothing decoded yet
    reads = []
    real = postings.read_postings

    def spy(reader, field, btext, info):
        reads.append((id(reader), field, btext))  # a term is read once in each segment that holds it
        return real(reader, field, btext, info)

    monkeypatch.setattr(postings, "read_postings", spy)
    first = [_same(index, claim, limit=10, match="any", plain=True) for claim in CLAIMS]
    assert reads and len(reads) == len(set(reads))  # each read by the first search that needs it
    reads.clear()
    again = [_search(index, claim, limit=10, match="any", plain=True) for claim in CLAIMS]
    assert reads == [] and again == first


def test_a_searcher_keeps_a_bounded_number_of_decoded_postings(indexes, monkeypatch):
    index = indexes["several"]
    expected = [_search(index, claim, limit=20, match="any", plain=True) for claim in CLAIMS]
    index.close()
    monkeypatch.setattr(termwise, "MAX_CACHED_POSTINGS", 300)
    got = [_search(index, claim, limit=20, match="any", plain=True) for claim in CLAIMS]
    assert got == expected
    cache = termwise.cache_of(index._current_searcher())
    held = sum(len(found[0]) for found in cache._postings.values() if found is not None)
    assert held == cache._postings_held and (held <= 300 or len(cache._postings) == 1)


def test_deleted_papers_are_never_returned_nor_counted(indexes):
    holes = indexes["holes"]
    results = holes.search("hybrid interventions patient involvement trial", limit=None, match="any", plain=True)
    ids = [hit.id for hit in results]
    assert "10.1136/bmjqs-2024-017268" not in ids and "10.9999/gen-7" not in ids
    assert len(ids) == len(set(ids)) == results.total  # replaced papers appear once


#: Typed queries made of terms and year ranges joined by AND, OR, NOT and ANDMAYBE: ranked term by term too.
TYPED = [
    "patient safety culture",
    "safety NOT culture",
    "safety AND hospital",
    "(patient OR staff) NOT (wards OR unit)",
    "+safety culture -hospital",
    "methods:interviews safety",
    "(safety OR culture) AND (hospital NOT wards)",
    "ti:safety^2 care",
    "safety year:2016-2020",
    "year:2020",
    "(safety OR year:2016) NOT culture",
]


@pytest.mark.parametrize("layout", ["single", "several", "holes"])
@pytest.mark.parametrize("match", ["all", "any"])
def test_typed_queries_of_terms_rank_and_count_as_whoosh_does(indexes, layout, match):
    index = indexes[layout]
    for query in TYPED:
        for limit in (10, None):
            hits, total = _same(index, query, limit=limit, match=match)
            assert len(hits) == (total if limit is None else min(limit, total))
        _same(index, query, limit=10, match=match, year=(2018, 2021))
        # With match="all", feedback adds its words as an ANDMAYBE. Whoosh's own top ten for it can miss a hit
        # in an index with deletions (it skips a block it should not), so the top ten are compared with the
        # first ten of Whoosh's whole ranking.
        top, total = _search(index, query, limit=10, match=match, feedback=True)
        every, every_total = _whoosh(index, query, limit=None, match=match, feedback=True)
        assert [i for i, _ in top] == [i for i, _ in every[:10]] and total == every_total, query
        assert [s for _, s in top] == pytest.approx([s for _, s in every[:10]], rel=1e-12), query
    assert _same(index, "safety NOT culture", limit=None)[1] < _same(index, "safety", limit=None)[1]


def test_highlights_sections_and_explain_work_on_termwise_hits(indexes):
    index = indexes["single"]
    claim = "Interviews with ward staff about patient involvement in safety"
    results = index.search(claim, limit=5, match="any", plain=True, feedback=False)  # explain has no feedback
    top = results[0]
    assert any("**" in snippet for snippet in top.highlights.values())
    for section, snippet in top.matched_sections():
        assert section.category in top.highlights and "**" in snippet
    explanation = index.explain(claim, top.id, match="any", plain=True)
    assert explanation.score == pytest.approx(top.score, rel=1e-12)
    assert sum(p.score for p in explanation.parts) == pytest.approx(top.score, rel=1e-12)


def test_facets_count_every_match(indexes):
    index = indexes["several"]
    results = index.search("patient safty culture", match="any", plain=True, year=(2016, 2024))
    every = index.search("patient safty culture", match="any", plain=True, year=(2016, 2024), limit=None)
    assert len(every) == results.total > len(results)
    assert results.facets("year") == dict(sorted(Counter(h.year for h in every).items(), reverse=True))
    assert results.facets("journal") == dict(Counter(h.journal for h in every).most_common())
    sections = Counter(category for h in every for category in {s.category for s in h.sections if s.text})
    assert results.facets("section") == {k: v for k, v in sections.items() if k != "other"}
    assert results.suggestion == "patient safety culture"


def test_feedback_searches_rank_as_whoosh_ranks_them(indexes):
    for claim in CLAIMS[:3]:
        _same(indexes["holes"], claim, limit=10, match="any", plain=True, feedback=True)


@pytest.mark.parametrize("protocol", [2, 4])
def test_blocks_read_without_their_positions_hold_what_whoosh_reads(tmp_path, seed_records, monkeypatch, protocol):
    # Protocol 2: blocks as Whoosh's own writer pickles them (segments it merged), read up to their positions.
    # Protocol 4 (searchlib's): the ids and weights are a pickle frame of their own, read alone.
    from whoosh.matching import FilterMatcher

    from searchlib._engine import segwriter

    monkeypatch.setattr(segwriter, "BLOCK_PROTOCOL", protocol)
    index = searchlib.build_index([*seed_records, *_generated(300, seed_records)], tmp_path / "ix", procs=1)
    read_whole = postings._read_whole
    reads: list[object] = []  # the blocks read whole
    monkeypatch.setattr(postings, "_read_whole", lambda *args: (reads.append(args), read_whole(*args))[1])
    blocks = whole = 0
    reader = index._current_searcher().reader()
    for field in ("title", "abstract", "authors", "methods", "abstract_exact"):
        positions = reader.schema[field].format.supports("positions")
        for btext in reader.lexicon(field):
            m = reader.postings(field, btext)
            m = m.child if isinstance(m, FilterMatcher) else m
            ids, weights = list(m.all_ids()), []
            m.reset()
            while m.is_active():
                weights.append(m.weight())
                m.next()
            info = reader.term_info(field, btext)
            reads.clear()
            assert postings.read_postings(reader, field, btext, info) == (ids, weights), (field, btext)
            if positions and not info.is_inlined():
                blocks += (len(ids) + 127) // 128
                whole += len(reads)
    index.close()
    assert blocks > 1000
    assert whole < blocks / 2  # most blocks with positions were read only up to them


def test_stored_lengths_read_from_the_column_match_the_readers_lengths(indexes):
    reader = indexes["holes"]._current_searcher().reader()

    class PublicOnly:  # a reader without Whoosh's per-document internals: lengths are asked paper by paper
        def __init__(self, inner):
            self.doc_count_all = inner.doc_count_all
            self.doc_field_length = inner.doc_field_length

    for segment, _base in reader.leaf_readers():
        for field in ("title", "abstract", "authors", "methods"):
            column = postings.length_bytes(segment, field)
            assert column == postings.length_bytes(PublicOnly(segment), field)
            assert len(column) == segment.doc_count_all() and any(column)


@pytest.mark.parametrize("layout", ["single", "several", "holes"])
def test_feedback_picks_the_same_words_without_looking_each_one_up(indexes, layout):
    """Feedback passes over words whose Bo1 score cannot reach the best ones; the words it adds are the same as
    when every word of the feedback papers is looked up and scored."""

    index = indexes[layout]
    searcher = index._current_searcher()
    reader = searcher.reader()
    n = reader.doc_count_all()
    most = sum(reader.field_length(f) for f in ("title", "abstract")) / n
    passed_over = 0
    for claim in CLAIMS:
        plan = Planner(searcher.schema).plan(syntax.parse(claim, match="any", plain=True), "any")
        top = termwise.rank(Matcher(searcher).scores(plan), feedback.FEEDBACK_DOCS, searcher)
        counts: dict[str, float] = {}
        weights = feedback.paper_weights([10.0 * 0.8**i for i in range(len(top.top))])  # the first stands out
        for (_s, docnum), w in zip(top.top, weights, strict=True):
            record = stored_records(searcher).record(docnum)
            for text in (record.title, record.abstract):
                for term in searcher.schema["abstract"].process_text(text or "", mode="index"):
                    counts[term] = counts.get(term, 0.0) + w
        looked_up: list[str] = []

        def cf(term: str, looked_up=looked_up) -> float:
            looked_up.append(term)
            return sum(reader.frequency(f, term) for f in ("title", "abstract"))

        bounded = feedback.best_words(counts, cf, n, most)
        assert bounded == feedback.best_words(counts, cf, n, None)
        assert len(bounded) == min(feedback.FEEDBACK_TERMS, len(counts))
        passed_over += len(counts) - (len(looked_up) - len(counts))
    assert passed_over > 0  # the bound does pass over words


@given(
    count=st.floats(min_value=0.001, max_value=50),
    n=st.integers(min_value=1, max_value=10**7),
    most=st.floats(min_value=0.01, max_value=5000),
)
def test_no_word_scores_above_the_bound_feedback_stops_at(count, n, most) -> None:
    from math import log2

    rare = 1 / n
    for step in range(101):  # frequencies from one occurrence in the collection to `most` a paper
        f = rare * (max(most, rare) / rare) ** (step / 100)
        score = count * log2((1 + f) / f) + log2(1 + f)
        assert score <= feedback._best_possible(count, n, most) * (1 + 1e-12) + 1e-12


def test_terms_are_looked_up_in_the_mapped_table_as_whoosh_looks_them_up(indexes) -> None:
    from whoosh.codec import whoosh3

    searcher = indexes["holes"]._current_searcher()
    checked = 0
    for sub, _base in searcher.leaf_searchers():
        reader = sub.reader()
        for field, btext in reader.all_terms():
            row = postings.term_row(reader, field, btext)
            assert whoosh3.W3TermInfo.from_bytes(row).__dict__ == reader.term_info(field, btext).__dict__
            checked += 1
        assert postings.term_row(reader, "abstract", b"notaword") is None
        assert postings.term_row(reader, "nosuchfield", b"care") is postings.UNREAD
    assert checked > 1000


def test_a_searcher_whose_term_cache_fills_up_ranks_as_before(indexes, monkeypatch):
    """The term infos an open searcher keeps are dropped when they reach the bound; rankings do not change."""
    index = indexes["several"]
    expected = [[(h.id, h.score) for h in index.search(c, match="any", plain=True, limit=20)] for c in CLAIMS]
    index.close()  # a new searcher, with an empty cache
    monkeypatch.setattr(termwise, "MAX_CACHED_TERMS", 7)
    got = [[(h.id, h.score) for h in index.search(c, match="any", plain=True, limit=20)] for c in CLAIMS]
    assert got == expected
    assert len(termwise.cache_of(index._current_searcher())._infos) <= 7


def test_a_terms_postings_in_every_segment_are_held_as_one_array(indexes):
    index = indexes["several"]
    index.close()  # a new searcher, with nothing decoded yet
    index.search("patient safety", match="any", plain=True, feedback=False)
    searcher = index._current_searcher()
    bases = [base for _, base in searcher.leaf_searchers()]
    cache = termwise.cache_of(searcher)
    ids, scores = cache._postings[ranking.TIAB, b"patient"]
    # One array of the index's document numbers, segment after segment: a search adds it once.
    holding = {
        base + d
        for sub, base in searcher.leaf_searchers()
        for field in ("title", "abstract")
        if (field, "patient") in sub.reader()
        for d in sub.reader().postings(field, "patient").all_ids()
    }
    assert len(bases) == 3 and len(ids) == len(scores) == len(holding)
    assert list(ids) == sorted(ids) and ids[0] < bases[1] and ids[-1] >= bases[2]
