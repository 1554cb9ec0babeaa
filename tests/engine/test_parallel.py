"""A build over two processes finds what a build in one finds, keeps the last copy of a paper, saves every stem,
and leaves nothing behind when a helper fails, the build is interrupted or its process is killed."""

from __future__ import annotations

import errno
import multiprocessing
import os
import select
import signal
import sys
import time
from pathlib import Path

import orjson
import pytest

import searchlib.records.record
from searchlib import SearchlibError, StorageError, build_index, open_index
from searchlib._engine import parallel
from searchlib._engine.schema import stored_records
from searchlib._engine.segwriter import FastSegmentWriter
from searchlib.analysis import stemtable
from searchlib.records.readers import load_records
from tests.engine.crashkit import CTX, HANG_GUARD

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="helper processes are forked"
)


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    # Helpers start after 40 records and take 8 at a time, so a few hundred records are shared out.
    monkeypatch.setattr(parallel, "PARALLEL_AFTER", 40)
    monkeypatch.setattr(parallel, "BATCH", 8)


@pytest.fixture(scope="module")
def records(seed_path) -> list[dict]:
    seed = list(load_records(seed_path))
    out = []
    for i in range(240):
        a, b = seed[i % len(seed)], seed[(i * 7 + 3) % len(seed)]
        out.append(
            {
                "title": f"{a.title} part {i}",
                "abstract": (a.abstract_html or "") + (b.abstract_html or "")[: 60 * (i % 7)],
                "authors": list(b.authors[: 1 + i % 3]),
                "year": 1995 + i % 25,
                "doi": f"10.9/par.{i}",
            }
        )
    return out


def segments(index) -> int:
    return index.stats()["segments"]


def ranked(index, query: str, **kwargs) -> list[tuple[float, str]]:
    results = index.search(query, limit=None, **kwargs)
    return sorted((-round(h.score, 9), h.doi) for h in results)


QUERIES = [
    ("antibiotic prescribing", {}),
    ("methods:interview", {}),
    ("au:hampton OR title:realist", {}),
    ('"primary care"', {}),
    ("care year:2000-2010", {}),
    ("patients outcomes costs quality", {"match": "any"}),
    ("hospital NOT antibiotic", {}),
]


def test_two_processes_find_what_one_finds(tmp_path, records) -> None:
    one = build_index(records, tmp_path / "one", procs=1)
    two = build_index(records, tmp_path / "two", procs=2)
    assert (segments(one), segments(two)) == (1, 2)
    assert len(one) == len(two) == len(records)
    for query, kwargs in QUERIES:
        expected = ranked(one, query, **kwargs)
        assert expected, query
        assert ranked(two, query, **kwargs) == expected, query
    assert two.search("antibiotic").total == one.search("antibiotic").total


def test_optimize_merges_the_processes_segments_into_one(tmp_path, records) -> None:
    index = build_index(records, tmp_path / "ix", procs=2)
    before = {
        query: dict((doi, -score) for score, doi in ranked(index, query, **kwargs)) for query, kwargs in QUERIES
    }
    index.optimize()
    index = open_index(tmp_path / "ix")
    assert segments(index) == 1
    for query, kwargs in QUERIES:
        after = dict((doi, -score) for score, doi in ranked(index, query, **kwargs))
        # Whoosh's merge totals the field lengths from their one-byte forms, so average lengths move a little.
        assert after == pytest.approx(before[query], rel=0.01), query


def test_the_last_copy_of_a_paper_wins_whichever_process_wrote_each(tmp_path, records) -> None:
    # Every 5th paper comes again later with a new title, some within a batch, most in another process's.
    again = [dict(r, title=f"Revised {n}", doi=r["doi"].upper()) for n, r in enumerate(records[::5])]
    mixed = records[:120] + again[:10] + records[120:] + again[10:] + [dict(again[0], title="Final 0")]
    index = build_index(mixed, tmp_path / "ix", procs=2)
    assert segments(index) == 3  # each process's, and the merged papers'
    assert len(index) == len(records)
    assert index.get(records[0]["doi"]).title == "Final 0"
    assert index.get(records[5]["doi"]).title == "Revised 1"
    assert index.get(records[235]["doi"]).title == "Revised 47"
    assert index.get(records[1]["doi"]).title == records[1]["title"]
    assert index.search("title:revised").total == len(again) - 1
    assert [h.doi for h in index.search('title:"part 0"')] == []


def test_words_stemmed_or_read_by_a_helper_are_saved(tmp_path, records, monkeypatch) -> None:
    # A made-up word in each of the last records: whichever process indexed a record stemmed its word.
    def word(n: int) -> str:
        return "zorb" + "abcdefghij"[n % 10] + "klmnopqrstuvwxyz"[n // 10] + "ications"

    tail = [dict(r, abstract=f"{word(n)} were counted") for n, r in enumerate(records[100:])]
    data = records[:100] + tail
    for name, procs in (("one", 1), ("two", 2)):
        # Only the words this build stems: not those of indexes opened before (the first, once it is built).
        monkeypatch.setattr(stemtable, "_known", {})
        monkeypatch.setattr(stemtable, "_pending", [])
        build_index(data, tmp_path / name, procs=procs)
    one = orjson.loads((tmp_path / "one" / stemtable.TABLE_FILE).read_bytes())
    two = orjson.loads((tmp_path / "two" / stemtable.TABLE_FILE).read_bytes())
    assert {word(n) for n in range(len(tail))} <= one.keys()
    assert two == one
    # The words as written, with their counts, for "Did you mean".
    one_words = orjson.loads((tmp_path / "one" / stemtable.WORDS_FILE).read_bytes())
    two_words = orjson.loads((tmp_path / "two" / stemtable.WORDS_FILE).read_bytes())
    assert all(one_words[word(n)] >= 1 for n in range(len(tail)))
    assert two_words == one_words


@pytest.mark.parametrize("step", ["add_document", "_finalize_segment"])  # before and after it sends its words
def test_a_failing_helper_fails_the_build_and_leaves_no_index(tmp_path, records, monkeypatch, step) -> None:
    parent = os.getpid()
    original = getattr(FastSegmentWriter, step)

    def fail_in_helpers(self, *args, **fields):
        if os.getpid() != parent:
            raise RuntimeError("disk on fire")
        return original(self, *args, **fields)

    monkeypatch.setattr(FastSegmentWriter, step, fail_in_helpers)
    with pytest.raises(SearchlibError, match="disk on fire"):
        build_index(records, tmp_path / "ix", procs=2)
    assert list(tmp_path.iterdir()) == []
    assert multiprocessing.active_children() == []


def test_a_full_disk_in_a_helper_is_the_builds_storage_error(tmp_path, records, monkeypatch) -> None:
    parent = os.getpid()
    original = FastSegmentWriter.finish_segment

    def full_in_helpers(self):
        if os.getpid() != parent:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(self)

    monkeypatch.setattr(FastSegmentWriter, "finish_segment", full_in_helpers)
    with pytest.raises(StorageError, match=r"^no space left on .*; free some space and try again"):
        build_index(records, tmp_path / "ix", procs=2)
    assert list(tmp_path.iterdir()) == []
    assert multiprocessing.active_children() == []


def _build_until_killed(target: str, records: list[dict], report_fd: int, portable: bool) -> None:
    """Child: a build that has handed records to its helpers, then hangs (until killed) waiting for more."""
    if portable:  # as where the kernel does not end a helper with its parent: the helper's own check must
        parallel._end_with = lambda build_pid: None
        parallel.PARENT_CHECK = 0.05
    else:  # only the kernel can end the helper in time
        parallel.PARENT_CHECK = 10 * HANG_GUARD

    def source():
        yield from records
        helpers = [str(p.pid) for p in multiprocessing.active_children()]
        os.write(report_fd, " ".join(helpers).encode() + b"\n")
        signal.pause()

    build_index(source(), target, procs=2)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except ProcessLookupError:
        return False
    except OSError:  # no /proc: signal 0 reached it
        return True
    return state != "Z"  # a zombie has exited, whoever reaps it


@pytest.mark.parametrize(
    "portable",
    [
        pytest.param(False, marks=pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG")),
        True,
    ],
    ids=["kernel", "portable"],
)
def test_helpers_end_with_a_killed_build_whose_folder_the_next_build_removes(tmp_path, records, portable):
    target = tmp_path / "ix"
    read_fd, write_fd = os.pipe()
    build = CTX.Process(target=_build_until_killed, args=(str(target), records, write_fd, portable))
    build.start()
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as report:
        helpers = [int(pid) for pid in report.readline().split()]
    assert helpers, "the build started no helper"
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(f".ix.building-{build.pid}-")
    os.kill(build.pid, signal.SIGKILL)
    build.join()
    deadline = time.monotonic() + HANG_GUARD  # a hang guard: the helpers end within a second or so
    try:
        for pid in helpers:  # each helper's end is an event on its pidfd, waited for rather than polled
            try:
                fd = os.pidfd_open(pid)
            except ProcessLookupError:
                continue  # already gone
            try:
                ended, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            finally:
                os.close(fd)
            assert ended or not _running(pid), "a helper outlived its build"
    finally:
        for pid in filter(_running, helpers):  # when the test fails, not left running after it
            os.kill(pid, signal.SIGKILL)
    build_index(records[:10], target)
    assert [p.name for p in tmp_path.iterdir()] == ["ix"]


def test_an_interrupted_build_keeps_the_old_index_and_stops_the_helpers(tmp_path, records) -> None:
    target = tmp_path / "ix"
    build_index(records[:30], target)

    def interrupt(done: int, total: int) -> None:
        if done >= 150:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(records, target, overwrite=True, progress=interrupt, procs=2)
    assert multiprocessing.active_children() == []
    assert [p.name for p in tmp_path.iterdir()] == ["ix"]
    assert len(open_index(target)) == 30


def test_a_large_record_file_starts_the_helpers_early(tmp_path, records, monkeypatch) -> None:
    source = tmp_path / "records.jsonl"
    source.write_bytes(b"\n".join(orjson.dumps(r) for r in records))
    monkeypatch.setattr(parallel, "PARALLEL_AFTER", 10_000)
    monkeypatch.setattr(parallel, "EARLY", 40)
    monkeypatch.setattr(parallel, "LARGE_SOURCE", source.stat().st_size + 1)
    assert segments(build_index(source, tmp_path / "small", procs=2)) == 1  # 240 records: one process
    monkeypatch.setattr(parallel, "LARGE_SOURCE", source.stat().st_size)
    large = build_index(source, tmp_path / "large", procs=2)
    assert segments(large) == 2 and len(large) == len(records)
    small = open_index(tmp_path / "small")
    for query, kwargs in QUERIES:
        assert ranked(large, query, **kwargs) == ranked(small, query, **kwargs), query


def test_a_long_list_of_records_starts_the_helpers_early(tmp_path, records, monkeypatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_AFTER", 200)
    monkeypatch.setattr(parallel, "EARLY", 16)

    def segment_sizes(index) -> list[int]:
        return sorted(sub.doc_count_all() for sub, _ in index._current_searcher().leaf_searchers())

    # A list's length is known: 240 records are at least PARALLEL_AFTER, so the helper starts after 16.
    listed = segment_sizes(build_index(records, tmp_path / "list", procs=2))
    assert len(listed) == 2 and listed[0] > 240 - 200
    # The same records one at a time: the helper starts only after 200 have been read.
    streamed = segment_sizes(build_index(iter(records), tmp_path / "iter", procs=2))
    assert len(streamed) == 2 and streamed[0] <= 240 - 200


def test_helpers_split_the_abstracts_of_the_records_they_index(tmp_path, records, monkeypatch) -> None:
    parsed_by = tmp_path / "pids.txt"
    parse = searchlib.records.record.parse_abstract

    def noting(html):
        with open(parsed_by, "a") as f:
            f.write(f"{os.getpid()}\n")
        return parse(html)

    monkeypatch.setattr(searchlib.records.record, "parse_abstract", noting)
    index = build_index(records, tmp_path / "ix", procs=2)
    pids = parsed_by.read_text().split()
    assert len(pids) == len(records)  # each abstract split once, by the process that indexed it
    assert 0 < pids.count(str(os.getpid())) < len(records)
    assert ranked(index, "methods:interview")


def test_the_build_indexes_the_last_batches_while_the_helper_finishes(tmp_path, records, monkeypatch) -> None:
    monkeypatch.setattr(parallel, "QUEUED", 1_000)  # the helper would take every batch it is offered
    index = build_index(records, tmp_path / "ix", procs=2)
    (own, _), (helper, _) = index._current_searcher().leaf_searchers()
    own_dois = {stored_records(own).record(d).doi for d in range(own.doc_count_all())}
    assert own_dois == {r["doi"] for r in records[-parallel.HELD * parallel.BATCH :]}
    assert helper.doc_count_all() == len(records) - len(own_dois)


def test_small_and_in_memory_builds_stay_in_one_segment(tmp_path, records) -> None:
    assert segments(build_index(records[:30], tmp_path / "small", procs=2)) == 1
    assert segments(build_index(records, procs=2)) == 1
    with pytest.raises(ValueError, match="procs"):
        build_index(records, tmp_path / "none", procs=0)
