"""Building a new index with two or more processes: each writes a segment, one commit lists them all.

A build spends most of its time analysing text and writing postings, one paper after another, on one core.
:func:`write_records` reads the records in this process and, once :data:`PARALLEL_AFTER` have been read (small
builds stay in one process and one segment; from record files of :data:`LARGE_SOURCE` or more on disk, or a list of
at least :data:`PARALLEL_AFTER` records, once :data:`EARLY` have), forks helper processes. Records then go out in
batches to whichever process is free: a helper takes a batch when its queue has room, otherwise this process
indexes the batch itself, so the work balances itself whatever the records cost to read. Once the helpers run, this
process reads :data:`HELD` batches ahead; when the records run out, it tells the helpers to write their segments
and indexes those last batches itself, so that every process comes to write at about the same time, and none waits
for another. Records are read with their abstracts not yet split into sections (:func:`.sections_deferred`):
whichever process indexes a record splits it, so that work, most of the cost of reading, is shared too. Each helper
writes its own segment with :class:`.FastSegmentWriter` and hands back the segment (and the words it stemmed, for
the stem table); this process then writes one table of contents that lists every segment, so the index appears
whole or not at all, as with one process.

A paper read twice is written once, as in a build in one process (:class:`.Grouping`): this process remembers
where each identifier went (which segment, which document); once every segment is written, the records sharing
one are read back from their segments, merged, and written again in a small segment of their own, their copies
marked deleted, before the one commit.

Helpers are forked, so they need no ``if __name__ == "__main__"`` guard in the caller's script. By default only
on Linux: macOS can crash a forked child that touches its system frameworks (Python itself no longer forks by
default there), so builds on macOS use two processes only when asked (``procs=2``); where ``fork`` is not
available (Windows) a build always stays in one process. A helper ignores Ctrl-C; the build's process stops the
helpers and throws their segments away, and ``build_index`` removes the unfinished index.

>>> from searchlib import build_index, bundled_records_path
>>> len(build_index(bundled_records_path(), procs=2))  # ten records: fewer than PARALLEL_AFTER, one process
10
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import signal
import sys
import traceback
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ..analysis import stemtable
from ..errors import SearchlibError
from ..records.record import Record, sections_deferred
from .building import Grouping, Place, merge_groups
from .failures import abandon
from .schema import indexed_words, stored_records, to_document
from .segwriter import SPILL_POSTINGS, FastSegmentWriter

#: Records read before helper processes start; smaller builds stay in one process, one segment. (A second
#: segment costs a search little: a term's postings in every segment are decoded into one array, see
#: :mod:`searchlib.search.termwise`.)
PARALLEL_AFTER = 2_000
#: Record files at least this large on disk (about 2,000 records of typical size), and lists of at least
#: :data:`PARALLEL_AFTER` records, start the helpers after :data:`EARLY` records instead: at once, so that they
#: share the first records too, and import NLTK while this process does (rather than after this process alone
#: has imported NLTK and indexed the first batch).
LARGE_SOURCE = 3 * 2**20
EARLY = 0
#: Records sent to a helper at a time.
BATCH = 64
#: Batches waiting for each helper at most; past this, the build's own process indexes the batch.
QUEUED = 2
#: Batches the build's process reads ahead once the helpers run; when the records run out, it indexes these
#: itself while the helpers finish those queued for them, so that every process comes to write its segment at
#: about the same time.
HELD = 2


def default_procs() -> int:
    """Processes a build uses by default: on Linux the CPUs this process may run on, at most 2 (each adds a
    segment, which every search then visits); elsewhere 1."""
    if not sys.platform.startswith("linux"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(2, cpus))


@contextmanager
def one_blas_thread(wanted: bool = True) -> Iterator[None]:
    """Run matrix products on one thread in this process while inside (if ``wanted``). With meaning, every process
    of a build runs the language model; each with the two threads of NumPy's BLAS, two processes on two cores ran
    five times slower than with one thread each (threadpoolctl sets the BLAS library's own thread count)."""
    if not wanted:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        yield


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def write_records(ix: Any, records: Iterable[Record], feed: Grouping, procs: int, size: int = 0) -> dict[str, int]:
    """Write ``records`` into the new index ``ix`` (on disk, empty) and commit, with up to ``procs`` processes;
    returns the words indexed, with how often each occurred (for :func:`searchlib.analysis.stemtable.save`).

    ``size`` is the size of the record files on disk, if known: a large source starts the helpers early.
    """
    if procs < 1:
        raise ValueError("procs must be at least 1")
    helpers = procs - 1 if _can_fork() and getattr(ix.storage, "folder", None) else 0
    spill = SPILL_POSTINGS // procs if helpers else SPILL_POSTINGS  # the processes' postings share the memory
    writer = FastSegmentWriter(ix, spill_postings=spill)
    large = size >= LARGE_SOURCE or feed.total >= PARALLEL_AFTER
    build = _Build(ix, writer, feed, helpers, spill, EARLY if large else PARALLEL_AFTER)
    with one_blas_thread(bool(helpers) and "meaning" in ix.schema):  # each process its own
        try:
            with sections_deferred():  # the sections of records sent to a helper are found there
                build.run(iter(records))  # ends by telling the helpers to write their segments
            feed.forget_identifiers()  # every record is placed: let them go now, while the helpers are still busy
            if writer.has_documents:
                final = [writer.finish_segment()]
            else:
                final = []
                writer.close_segment()
            # While the helpers finish their segments: count this process's words, and let the cyclic collector
            # look once at what the build made while it was paused (mostly analysis cache entries, which it then
            # stops tracking), rather than when the build turns it back on, in the serial step after.
            words = Counter(indexed_words(writer.schema))
            if build.helpers:
                gc.collect(0)
            segments = build.finish()
            by_slot = {0: final[0]} if final else {}
            by_slot.update(enumerate(segments, start=1))  # the n-th helper's segment: slot n
            merged = _merge_copies(ix, feed, by_slot, spill, words)
            feed.finish()
            for helper in build.helpers:
                words.update(helper.words)  # adds the counts
            writer.commit_segments(final + segments + merged)
        except BaseException:
            build.stop()
            abandon(writer)
            raise
    return words


def _merge_copies(ix: Any, feed: Grouping, by_slot: dict[int, Any], spill: int, words: Counter[str]) -> list[Any]:
    """Merge the records that share an identifier (:func:`.merge_groups`), read back from the segments just
    written (``by_slot``: each process's, by its slot); the merged papers go into a segment of their own, which
    is returned (none when no record shared an identifier). Their words are added to ``words``."""
    if not feed.members:
        return []
    from whoosh.reading import SegmentReader

    readers: dict[int, Any] = {}
    writer = FastSegmentWriter(ix, lock=False, spill_postings=spill, tempname=f"{ix.indexname}-merged.tmp")

    def read(place: Place) -> Record:
        slot, docnum = place
        if slot not in readers:
            readers[slot] = SegmentReader(ix.storage, ix.schema, by_slot[slot])
        return stored_records(readers[slot]).record(docnum)

    def delete(place: Place) -> None:
        segment = by_slot[place[0]]
        if not segment.is_deleted(place[1]):
            segment.delete_document(place[1])

    try:
        meaning = "meaning" in writer.schema
        merge_groups(feed, read, delete, lambda record: writer.add_document(**to_document(record, meaning)))
        segment = writer.finish_segment() if writer.has_documents else None
        if segment is None:
            writer.close_segment()
        words.update(indexed_words(writer.schema))
    except BaseException:
        abandon(writer)
        raise
    finally:
        for reader in readers.values():
            reader.close()
    writer.scratch.destroy()
    return [segment] if segment is not None else []


class _Helper:
    """One forked process writing a segment, and what this process knows of it."""

    def __init__(self, ctx: Any, ix: Any, spill: int, number: int, parent: FastSegmentWriter) -> None:
        self.jobs = ctx.Queue(QUEUED)
        self.results = ctx.Queue()
        self.docs = 0  # documents sent: the next one's number in the helper's segment
        self.words: dict[str, int] = {}  # the words the helper indexed, once it has sent them
        self.process = ctx.Process(
            target=_helper_main,
            args=(ix.storage.folder, ix.indexname, spill, number, self.jobs, self.results, parent, os.getpid()),
            daemon=True,
        )
        self.process.start()

    def offer(self, records: list[Record]) -> bool:
        try:
            self.jobs.put_nowait(records)
        except queue.Full:
            return False
        self.docs += len(records)
        return True

    def close(self) -> None:
        """Tell the helper no more documents are coming (it then writes its segment)."""
        while True:
            try:
                self.jobs.put(None, timeout=1.0)
                return
            except queue.Full:
                if not self.process.is_alive():
                    return  # finish() reports it

    def finish(self) -> Any:
        status, payload = self._receive()
        if status == "words":
            known, self.words = payload
            stemtable.learn(known)
            status, payload = self._receive()
        self.process.join()
        if status == "oserror":
            raise payload  # a full disk, say: the build's own error for it (see failures.py)
        if status != "ok":
            raise SearchlibError(f"a helper process of the build failed:\n{payload}")
        return payload

    def _receive(self) -> tuple[str, Any]:
        while True:
            try:
                return self.results.get(timeout=1.0)
            except queue.Empty:
                if not self.process.is_alive() and self.results.empty():
                    raise SearchlibError(
                        f"a helper process of the build stopped unexpectedly (exit code {self.process.exitcode})"
                    ) from None

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=5.0)
        self.jobs.cancel_join_thread()


class _Build:
    def __init__(self, ix: Any, writer: Any, feed: Grouping, helpers: int, spill: int, start_after: int) -> None:
        self.ix = ix
        self.writer = writer
        self.feed = feed
        self.wanted = helpers
        self.start_after = start_after  # records read before the helpers start
        self.spill = spill
        self.helpers: list[_Helper] = []

    def run(self, records: Iterable[Record]) -> None:
        held: deque[list[Record]] = deque()  # read, not yet placed: with helpers, the last HELD batches
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) == BATCH:
                held.append(batch)
                batch = []
                if len(held) > (HELD if self.helpers else 0):
                    self._dispatch(held.popleft())
        if batch:
            held.append(batch)
        if self.helpers:  # the records have run out: the helpers may write their segments, and the batches held
            self.close()  # back are this process's
        while held:
            self._dispatch(held.popleft(), last=True)

    def _dispatch(self, batch: list[Record], last: bool = False) -> None:
        feed = self.feed
        if self.wanted and not self.helpers and not last and feed.read + len(batch) > self.start_after:
            ctx = multiprocessing.get_context("fork")
            self.helpers = [_Helper(ctx, self.ix, self.spill, n, self.writer) for n in range(self.wanted)]
        if not last:  # the last batches, once the helpers are told to write, are this process's
            for slot, helper in enumerate(self.helpers, start=1):
                base = helper.docs
                if helper.offer(batch):
                    for n, record in enumerate(batch):
                        self._claim(record, slot, base + n)
                    return
        writer = self.writer
        for record in batch:
            docnum = writer.docnum
            writer.add_document(**to_document(record, "meaning" in writer.schema))
            self._claim(record, 0, docnum)

    def _claim(self, record: Record, slot: int, docnum: int) -> None:
        """Note where ``record`` went (``slot`` 0: this process, n: the n-th helper)."""
        self.feed.claim(record, (slot, docnum))

    def close(self) -> None:
        for helper in self.helpers:
            helper.close()

    def finish(self) -> list[Any]:
        return [helper.finish() for helper in self.helpers]

    def stop(self) -> None:
        for helper in self.helpers:
            helper.stop()


def _helper_main(
    folder: str,
    indexname: str,
    spill: int,
    number: int,
    jobs: Any,
    results: Any,
    parent: FastSegmentWriter,
    build_pid: int,
) -> None:
    """A helper's life: add the documents it is sent to a segment of its own, then hand the segment back.

    ``parent`` is the build's own writer as it was when the helper was forked (not a copy sent over: the
    helper shares the build's memory until either writes to it). Its postings are not the helper's to write, so
    the helper lets them go at once (at 5k records this lowers the helper's peak RSS by a fifth).

    A helper ends with the build's process (``build_pid``): killed with it, it would otherwise wait for work for
    ever, holding its memory (see :func:`_end_with`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build's process decides what Ctrl-C stops
    end_with(build_pid)
    parent.pool.fields = {}
    from .storage import SafeFileStorage

    inherited = stemtable.known_count()  # stems this process knew when it was forked: the build's own already
    with one_blas_thread("meaning" in parent.schema):
        try:
            ix = SafeFileStorage(folder).open_index(indexname, schema=parent.schema)
            writer = FastSegmentWriter(ix, lock=False, spill_postings=spill, tempname=f"{indexname}-{number}.tmp")
            while True:
                records = _next_job(jobs, build_pid)
                if records is None:
                    break
                for record in records:
                    writer.add_document(**to_document(record, "meaning" in writer.schema))
            # The stems and words this helper found (not those this process knew when it was forked), sent before
            # the segment is written: the build's process takes them in while this one writes.
            results.put(("words", (stemtable.known(inherited), indexed_words(writer.schema))))
            segment = writer.finish_segment()
            writer.scratch.destroy()
            results.put(("ok", segment))
        except OSError as exc:
            results.put(("oserror", exc))
        except BaseException:
            results.put(("error", traceback.format_exc()))


#: Seconds a helper waits for work before it checks that the build's process still runs (where the kernel does
#: not end it with that process).
PARENT_CHECK = 1.0
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def end_with(build_pid: int) -> None:
    """Have the kernel kill this process when the build's process dies (Linux: ``PR_SET_PDEATHSIG``), and end it
    now if that process is already gone. Elsewhere :func:`_next_job` notices."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != build_pid:  # died before the line above: this process was handed to another parent
        os._exit(1)


def _next_job(jobs: Any, build_pid: int) -> Any:
    """The next batch of records (None: no more), or the end of this process once the build's is gone."""
    while True:
        try:
            return jobs.get(timeout=PARENT_CHECK)
        except queue.Empty:
            if os.getppid() != build_pid:
                os._exit(1)
