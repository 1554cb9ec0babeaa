"""Ranking: the BM25 idf and weights, and pseudo-relevance feedback finding papers in other words."""

from __future__ import annotations

import math

import pytest

import searchlib
from searchlib.cli import main
from searchlib.records.readers.seed import record_from_dict
from searchlib.search import ranking

PAPERS = [
    ("mi-1", "Myocardial infarction outcomes after stenting", "Heart attack survivors treated with stents."),
    ("mi-2", "Outcomes of myocardial infarction in older adults", "Heart attack survivors over 80 years old."),
    ("mi-3", "Myocardial infarction and depression", "Depression after a heart attack is common in survivors."),
    ("ha-1", "Cardiac rehabilitation programmes", "Heart attack survivors who exercise live longer."),
    ("asthma", "Inhaled steroids in childhood asthma", "Children with asthma used inhalers for a year."),
    ("stroke", "Stroke units and mortality", "Patients treated in stroke units survive more often."),
    ("flu", "Influenza vaccination of nurses", "Vaccinating nurses reduced influenza among older patients."),
    ("knee", "Knee replacement recovery", "Physiotherapy after knee replacement shortened recovery."),
]


@pytest.fixture(scope="module")
def index():
    ix = searchlib.build_index([record_from_dict({"_id": i, "title": t, "text": a}) for i, t, a in PAPERS])
    yield ix
    ix.close()


def ids(results) -> list[str]:
    return [hit.id for hit in results]


def test_robertson_idf_is_never_negative_and_falls_with_document_frequency(index):
    searcher = index._current_searcher()
    weighting = ranking.PaperBM25()
    heart = weighting.idf(searcher, "abstract", "heart")  # in 4 of 8 abstracts
    asthma = weighting.idf(searcher, "abstract", "asthma")  # in 1
    assert heart == pytest.approx(math.log(1 + (8 - 4 + 0.5) / (4 + 0.5)))
    assert 0 < heart < asthma


def test_feedback_finds_a_paper_that_uses_other_words_for_the_topic(index):
    plain = index.search("myocardial infarction outcomes", match="any", limit=None, feedback=False)
    assert "ha-1" not in ids(plain)  # it says "heart attack", never "myocardial infarction"
    expanded = index.search("myocardial infarction outcomes", match="any", limit=None, feedback=True)
    assert "ha-1" in ids(expanded)
    assert set(ids(expanded)) >= set(ids(plain))
    assert ids(expanded)[0] in {"mi-1", "mi-2"}  # the query's own words still lead
    # Papers on other topics may share a word with the top papers ("after", "older"), but rank below.
    assert set(ids(expanded)[:4]) == {*ids(plain), "ha-1"}


def test_feedback_never_adds_papers_to_a_query_needing_every_word(index):
    plain = index.search("myocardial infarction", limit=None)
    expanded = index.search("myocardial infarction", limit=None, feedback=True)
    assert sorted(ids(expanded)) == sorted(ids(plain)) == ["mi-1", "mi-2", "mi-3"]


def test_feedback_reads_only_papers_the_filters_let_through(seed_index):
    results = seed_index.search("antibiotic prescribing", match="any", year=2025, feedback=True, limit=None)
    assert results.total and all(hit.record.year == 2025 for hit in results)


def test_evaluate_and_the_cli_take_the_feedback_option(index, tmp_path, capsys):
    pytest.importorskip("ir_measures")
    judged = {"q": {"mi-1": 1, "mi-2": 1, "mi-3": 1, "ha-1": 1}}
    queries = {"q": "myocardial infarction outcomes"}
    without = searchlib.evaluate(index, queries, judged, metrics=["R@100"], feedback=False)
    with_feedback = searchlib.evaluate(index, queries, judged, metrics=["R@100"], feedback=True)
    assert without.mean["R@100"] == 0.75 and with_feedback.mean["R@100"] == 1.0
    folder = tmp_path / "ix"
    searchlib.build_index([record_from_dict({"_id": i, "title": t, "text": a}) for i, t, a in PAPERS], folder)
    assert main(["search", "myocardial infarction outcomes", "--any", "--feedback", "--index", str(folder)]) == 0
    assert "Cardiac rehabilitation" in capsys.readouterr().out


def test_feedback_is_on_by_default_for_any_word_searches_ranked_by_relevance(index):
    query = "myocardial infarction outcomes"
    default = index.search(query, match="any", limit=None)
    assert ids(default) == ids(index.search(query, match="any", limit=None, feedback=True))
    assert "ha-1" in ids(default)  # found through the top papers' "heart attack"
    by_date = index.search(query, match="any", limit=None, sort="date")
    assert "ha-1" not in ids(by_date)  # a date-sorted list is every match, not a ranking: no feedback
    needing_all = index.search("myocardial infarction", limit=None)
    assert ids(needing_all) == ids(index.search("myocardial infarction", limit=None, feedback=False))


# The top paper is all about wound dressings with honey; two weaker matches are X-ray papers that mention
# bandages once. Weighed by score, the feedback words come from the top paper, so the honey paper that never
# says "bandage" ranks above a third X-ray paper that does not either; counted alike (FEEDBACK_SHARPNESS 0),
# the two X-ray papers' words outvote the top paper's and the X-ray paper comes first.
DRESSINGS = [
    ("top", "Bandage dressings with honey", "Honey bandage dressings healed wounds; bandage honey wound care."),
    (
        "xray-1",
        "Radiograph reading in fractures",
        "Radiograph fractures imaging of the wrist, one bandage, "
        "radiograph review of fractures in emergency departments by junior radiologists on night shifts.",
    ),
    (
        "xray-2",
        "Fractures missed on radiographs",
        "Radiograph fractures audit; a bandage hid a fracture on "
        "radiograph review in emergency departments with junior staff on long weekend shifts.",
    ),
    ("honey", "Honey for chronic ulcers", "Honey dressings for ulcers."),
    (
        "xray-3",
        "Radiograph review of fractures",
        "Radiograph review of fractures in emergency departments by junior staff on night shifts.",
    ),
]


def test_feedback_words_come_mostly_from_the_best_scoring_paper():
    from searchlib.search.feedback import paper_weights

    ix = searchlib.build_index([record_from_dict({"_id": i, "title": t, "text": a}) for i, t, a in DRESSINGS])
    try:
        plain = ids(ix.search("bandage", match="any", limit=None, feedback=False))
        assert plain[0] == "top" and set(plain) == {"top", "xray-1", "xray-2"}
        hits = ix.search("bandage", match="any", limit=None)
        ranked = ids(hits)
        assert ranked.index("honey") < ranked.index("xray-3")
        weights = paper_weights([h.score for h in ix.search("bandage", match="any", limit=3, feedback=False)])
        assert weights[0] > 0.9 * len(weights)
    finally:
        ix.close()
