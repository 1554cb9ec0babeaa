from __future__ import annotations

import math
import sys

import orjson
import pytest

import searchlib
from searchlib import LoadError, SearchlibError
from searchlib.cli import main
from searchlib.search.evaluation import read_qrels, read_queries
from tests.conftest import FIXTURES

pytest.importorskip("ir_measures")

EVAL = FIXTURES / "eval"


@pytest.fixture(scope="module")
def index():
    ix = searchlib.build_index(EVAL / "corpus.jsonl")
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def report(index):
    return searchlib.evaluate(index, EVAL / "queries.jsonl", EVAL / "qrels.trec")


def test_the_only_relevant_paper_first_scores_one_everywhere(report):
    assert report.per_query["statins"] == {"nDCG@10": 1.0, "R@100": 1.0, "AP": 1.0}


def test_a_known_ranking_gives_the_hand_computed_figures(index, report):
    # Relevant papers at ranks 1 and 3, the paper at rank 2 judged not relevant (feedback may add others below).
    assert [h.id for h in index.search("hand hygiene compliance audit", match="any", plain=True)][:3] == [
        "hyg-audit",
        "hyg-compliance",
        "hyg-audit-only",
    ]
    scores = report.per_query["hygiene"]
    assert scores["nDCG@10"] == pytest.approx((1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)), abs=1e-4)
    assert scores["AP"] == pytest.approx((1 / 1 + 2 / 3) / 2, abs=1e-4)
    assert scores["R@100"] == 1.0


def test_graded_judgments_and_a_relevant_paper_missing_from_the_index(report):
    # "falls" (grade 2) is found first; "not-in-index" (grade 1) cannot be found.
    scores = report.per_query["falls"]
    assert scores["R@100"] == 0.5
    assert scores["AP"] == 0.5
    assert scores["nDCG@10"] == pytest.approx(2 / (2 + 1 / math.log2(3)), abs=1e-4)


def test_qrels_may_name_papers_by_doi_in_any_form(report):
    assert report.per_query["delirium"]["nDCG@10"] == 1.0


def test_means_are_over_judged_queries_only(report):
    assert set(report.per_query) == {"statins", "hygiene", "falls", "delirium"}
    assert report.mean["R@100"] == pytest.approx((1 + 1 + 0.5 + 1) / 4)
    assert report.metrics == ("nDCG@10", "R@100", "AP")


def test_tsv_queries_and_beir_qrels_read_the_same(index, report):
    again = searchlib.evaluate(index, EVAL / "queries.tsv", EVAL / "qrels-beir.tsv")
    assert again.per_query == report.per_query
    assert read_queries(EVAL / "queries.tsv") == {
        k: v for k, v in read_queries(EVAL / "queries.jsonl").items() if k != "unjudged"
    }
    assert read_qrels(EVAL / "qrels-beir.tsv") == read_qrels(EVAL / "qrels.trec")


def test_mappings_and_other_metrics(index):
    out = searchlib.evaluate(index, {"q": "delirium"}, {"q": {"10.9999/EVAL-7": 1}}, metrics=["P@1", "RR"])
    assert out.mean == {"P@1": 1.0, "RR": 1.0}


def test_judged_queries_without_text_score_zero_and_are_listed(index):
    out = searchlib.evaluate(
        index, {"q": "delirium", "stop": "the of and"}, {"q": {"x": 1}, "stop": {"x": 1}, "gone": {"x": 1}}
    )
    assert set(out.unanswered) == {"stop", "gone"}
    assert out.per_query["gone"]["nDCG@10"] == 0.0


def test_bad_qrels_line_is_named(tmp_path, index):
    bad = tmp_path / "qrels.txt"
    bad.write_text("q1 0 d1 1\nq1 d2\n")
    with pytest.raises(LoadError) as err:
        searchlib.evaluate(index, {"q1": "delirium"}, bad)
    assert err.value.line == 2 and "columns" in str(err.value)


def test_unknown_metric_is_a_searchlib_error(index):
    with pytest.raises(SearchlibError, match="unknown metric"):
        searchlib.evaluate(index, {"q": "delirium"}, {"q": {"x": 1}}, metrics=["nDCG@ten"])


def test_missing_ir_measures_says_how_to_install_it(index, monkeypatch):
    monkeypatch.setitem(sys.modules, "ir_measures", None)
    with pytest.raises(SearchlibError, match=r"pip install 'searchlib\[eval\]'"):
        searchlib.evaluate(index, {"q": "delirium"}, {"q": {"x": 1}})


def test_cli_evaluate_prints_per_query_rows_and_the_mean(tmp_path, capsys):
    idx = str(tmp_path / "ix")
    assert main(["index", str(EVAL / "corpus.jsonl"), "--index", idx]) == 0
    capsys.readouterr()
    args = [
        "evaluate",
        "--queries",
        str(EVAL / "queries.jsonl"),
        "--qrels",
        str(EVAL / "qrels.trec"),
        "--index",
        idx,
    ]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["query", "nDCG@10", "R@100", "AP"]
    assert lines[1].split() == ["statins", "1.0000", "1.0000", "1.0000"]
    assert [line.split()[0] for line in lines[-2:]] == ["mean", "4"]
    assert main([*args, "--json", "--metric", "nDCG@10"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert data["mean"]["nDCG@10"] == pytest.approx(0.92, abs=1e-3)


def test_cli_evaluate_missing_file_is_one_line_error(tmp_path, capsys):
    idx = str(tmp_path / "ix")
    main(["index", str(EVAL / "corpus.jsonl"), "--index", idx])
    capsys.readouterr()
    assert (
        main(
            [
                "evaluate",
                "--queries",
                str(tmp_path / "none.jsonl"),
                "--qrels",
                str(EVAL / "qrels.trec"),
                "--index",
                idx,
            ]
        )
        == 1
    )
    assert capsys.readouterr().err.startswith("searchlib: error:")
