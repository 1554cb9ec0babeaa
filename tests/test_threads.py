"""One Index shared by threads that search while a thread and another process write: every search sees one whole
commit, nothing raises, and results kept from before a commit keep working."""

from __future__ import annotations

import multiprocessing
import random
import threading

import pytest

import searchlib

pytestmark = pytest.mark.heavy

QUERIES = [
    ("patient safety culture", {"match": "any", "plain": True}),
    ('"patient safety"', {}),
    ("interview* OR survey", {}),
    ("methods:interviews", {}),
    ("safety NOT culture", {}),
    ("hospital wards staffing", {"match": "any", "plain": True, "feedback": False}),
    ('"care transitions"~3 OR antibiotic*', {}),
    ("year:2020-2025 care", {"year": (2020, 2025)}),
]


def _paper(tag: str, i: int) -> dict:
    return {
        "doi": f"10.9/{tag}-{i}",
        "title": f"Patient safety culture in hospital wards, report {i}",
        "abstract": "Methods: We interviewed staff about patient safety. Results: Safety culture improved.",
        "year": 2020 + i % 6,
    }


def _write_from_another_process(path: str, count: int) -> None:
    index = searchlib.open_index(path)
    for i in range(count):
        index.add([_paper("process", i)], timeout=600)


def test_threads_search_while_a_thread_and_a_process_write(tmp_path, seed_path):
    path = tmp_path / "ix"
    index = searchlib.build_index(seed_path, path)
    ids = {r.id for r in searchlib.load_records(seed_path)}
    failures: list[BaseException] = []
    searches = [0]
    stop = threading.Event()

    def reader(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(300):
                query, kwargs = rng.choice(QUERIES)
                results = index.search(query, limit=rng.choice([3, 10, None]), **kwargs)
                found = [hit.id for hit in results]
                assert len(found) == len(set(found)) and len(found) <= results.total
                if rng.random() < 0.02:
                    assert ids <= {r.id for r in index}
                if results and rng.random() < 0.3:
                    results[0].highlights  # noqa: B018
                    results[0].record.title  # noqa: B018
                if rng.random() < 0.2:
                    results.facets("year")
                searches[0] += 1
        except BaseException as exc:  # noqa: BLE001 - every failure is reported by the test
            failures.append(exc)

    def writer() -> None:
        i = 0
        try:
            while not stop.is_set():
                index.add([_paper("thread", i)], timeout=600)
                i += 1
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    other = multiprocessing.get_context("spawn").Process(target=_write_from_another_process, args=(str(path), 15))
    other.start()
    writing = threading.Thread(target=writer)
    writing.start()
    readers = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    for t in readers:
        t.start()
    for t in readers:
        t.join()
    stop.set()
    writing.join()
    other.join(timeout=600)
    assert other.exitcode == 0
    assert not failures, failures[:3]
    assert searches[0] == 8 * 300
    final = searchlib.open_index(path)
    assert {f"10.9/process-{i}" for i in range(15)} <= {r.id for r in final}


def test_results_kept_from_before_a_commit_keep_working(tmp_path, seed_path, seed_records):
    index = searchlib.build_index(seed_path, tmp_path / "ix")
    misspelled = index.search("randmized trail")
    kept = index.search("safety", limit=2)
    for i in range(3):
        index.add([_paper("later", i)])
        index.optimize()  # the segment the kept results read from is removed from the folder
    assert index.search("safety").total == kept.total + 3  # the index has moved on
    fresh = searchlib.build_index(seed_records)  # the seed papers alone, in memory
    assert kept.total == fresh.search("safety").total >= 2
    assert kept.facets("year") == fresh.search("safety").facets("year")
    assert kept[1].record == fresh.get(kept[1].id)
    assert "**" in "".join(kept[1].highlights.values())
    assert misspelled.suggestion == "randomised trial"


def test_a_search_whose_searcher_another_thread_closes_is_answered_from_a_new_one(monkeypatch):
    # Another thread calls close() just as this search has taken the open searcher: Whoosh's reads then fail.
    from searchlib.index import Index

    index = searchlib.build_index(searchlib.bundled_records_path())
    expected = {q: [(h.id, h.score) for h in index.search(q, **o)] for q, o in QUERIES}
    opened = Index._current_searcher
    closings: list[int] = []

    def closed_under_it(self, every_time: bool = False):
        searcher = opened(self)
        if every_time or not closings:
            closings.append(1)
            self.close()
        return searcher

    monkeypatch.setattr(Index, "_current_searcher", closed_under_it)
    for query, options in QUERIES:
        closings.clear()
        assert [(h.id, h.score) for h in index.search(query, **options)] == expected[query]
        assert closings == [1]
    assert index.explain("interviews", expected["methods:interviews"][0][0]).matched
    monkeypatch.setattr(Index, "_current_searcher", lambda self: closed_under_it(self, every_time=True))
    with pytest.raises(searchlib.SearchlibError, match="closed twice while this search read it"):
        index.search("patient safety culture", match="any")
