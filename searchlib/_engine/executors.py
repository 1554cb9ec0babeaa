"""Where a sharded index's shards are built and served: on this machine, or on a Ray cluster.

An executor does two things for :mod:`searchlib.sharded`: it runs the build of every shard (:meth:`run`), and it
serves each shard while the index is open (:meth:`serve`, then :meth:`call` and :meth:`call_all` run a
method of a shard's server). The sharded index does the rest the same way whatever the executor.

- :class:`LocalExecutor` (``executor="local"``, the default) builds shards in processes of this machine, forked,
  at most ``procs`` at a time, and serves them in this process: a search reads each shard's files through the
  same open searcher, with no copying between processes.
- :class:`RayExecutor` (``executor="ray"`` or ``RayExecutor(address=...)``) builds each shard in a Ray task and
  serves each from a Ray actor that holds it open, so shards can live on several machines
  (docs/guide/scale.md).

A shard that fails (its process or actor dies, its files cannot be read) is a :class:`SearchlibError` naming
it; no answer is ever put together from the shards that did answer. An error the shard raises for the
user (a query it cannot search, a locked index) is raised as it is.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from ..errors import SearchlibError


class ShardFailed(SearchlibError):
    """A shard did not answer: its process or actor died, or it failed in a way the user did not cause."""


def _failed(name: str, error: BaseException) -> SearchlibError:
    if isinstance(error, SearchlibError):
        return error
    return ShardFailed(f"{name} failed: {type(error).__name__}: {error}")


class Executor:
    """What runs and serves a sharded index's shards (see the module's docstring)."""

    name = "executor"

    def run(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], names: Sequence[str]) -> list[Any]:
        """``fn(*args)`` for each of ``calls`` (one a shard, named ``names``), in parallel; their results."""
        raise NotImplementedError

    def serve(self, server: type, calls: Sequence[tuple[Any, ...]], names: Sequence[str]) -> None:
        """Start one ``server(*args)`` for each shard."""
        raise NotImplementedError

    def call(self, shard: int, method: str, *args: Any) -> Any:
        """The result of shard ``shard``'s ``method(*args)``."""
        raise NotImplementedError

    def call_all(self, method: str, args: Sequence[tuple[Any, ...]] | None = None) -> list[Any]:
        """Every shard's ``method`` (with ``args[i]`` for shard ``i``, or none), in shard order."""
        raise NotImplementedError

    def call_each(self, method: str, calls: Sequence[tuple[int, tuple[Any, ...]]]) -> list[Any]:
        """``method(*args)`` of each ``(shard, args)`` of ``calls``, at once where the shards run apart."""
        return [self.call(shard, method, *args) for shard, args in calls]

    def close(self) -> None:
        """Let the shards' servers go."""


class LocalExecutor(Executor):
    """Shards built in forked processes of this machine (``procs`` at a time: default, the CPUs available) and
    served in this process."""

    name = "local"

    def __init__(self, procs: int | None = None) -> None:
        self.procs = procs
        self._servers: list[Any] = []
        self._names: list[str] = []
        self._serving: tuple[type, Sequence[tuple[Any, ...]], Sequence[str]] | None = None

    def run(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], names: Sequence[str]) -> list[Any]:
        if "fork" not in multiprocessing.get_all_start_methods() or len(calls) == 1:
            return [fn(*args) for args in calls]  # one shard, or no fork (Windows): one after another, here
        procs = self.procs or len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return _forked(fn, calls, names, max(1, procs or 1))

    def serve(self, server: type, calls: Sequence[tuple[Any, ...]], names: Sequence[str]) -> None:
        self._serving = (server, calls, names)
        self._names = list(names)
        self._servers = [
            self._guard(name, partial(server, *args)) for args, name in zip(calls, names, strict=True)
        ]

    def _guard(self, name: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as e:
            raise _failed(name, e) from e

    def call(self, shard: int, method: str, *args: Any) -> Any:
        if not self._servers and self._serving is not None:  # closed, and used again: serve the shards again
            self.serve(*self._serving)
        return self._guard(self._names[shard], lambda: getattr(self._servers[shard], method)(*args))

    def call_all(self, method: str, args: Sequence[tuple[Any, ...]] | None = None) -> list[Any]:
        return [self.call(i, method, *(args[i] if args else ())) for i in range(len(self._names))]

    def close(self) -> None:
        for server in self._servers:
            server.close()
        self._servers = []


def _forked(
    fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], names: Sequence[str], procs: int
) -> list[Any]:
    """``fn(*args)`` for each of ``calls`` in forked children, ``procs`` at a time: a child gets its arguments
    (records in memory too) without copying them through a pipe, and sends back its result or its error."""
    ctx = multiprocessing.get_context("fork")
    results: list[Any] = [None] * len(calls)
    waiting = list(range(len(calls)))
    running: dict[int, tuple[Any, Any]] = {}
    try:
        while waiting or running:
            while waiting and len(running) < procs:
                i = waiting.pop(0)
                receive, send = ctx.Pipe(duplex=False)
                child = ctx.Process(
                    target=_child, args=(fn, calls[i], send, os.getpid()), name=names[i], daemon=True
                )
                child.start()
                send.close()
                running[i] = (child, receive)
            done = multiprocessing.connection.wait([receive for _, receive in running.values()])
            for i, (child, receive) in list(running.items()):
                if receive not in done:
                    continue
                try:
                    kind, value = receive.recv()
                except EOFError:
                    kind, value = "died", f"its process ended with exit code {child.join() or child.exitcode}"
                child.join()
                del running[i]
                if kind == "ok":
                    results[i] = value
                elif kind == "error":
                    raise _failed(names[i], pickle.loads(value))
                else:
                    raise ShardFailed(f"{names[i]} failed: {value}")
    finally:
        for child, _ in running.values():
            child.terminate()
            child.join()
    return results


def _child(fn: Callable[..., Any], args: tuple[Any, ...], send: Any, parent: int) -> None:
    import signal

    from .parallel import end_with

    end_with(parent)  # a build killed outright takes its shard builders with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the children on Ctrl-C
    try:
        send.send(("ok", fn(*args)))
    except BaseException as e:
        try:
            send.send(("error", pickle.dumps(e)))
        except Exception:
            send.send(("failed", "".join(traceback.format_exception_only(type(e), e)).strip()))
    finally:
        send.close()
