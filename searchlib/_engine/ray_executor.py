"""Shards built by Ray tasks and served by Ray actors: a sharded index on a Ray cluster (or a laptop's Ray).

Ray (``pip install 'searchlib[ray]'``) runs the same program on one machine (``ray.init()``) and on a cluster
(``ray.init(address=...)``, or ``RayExecutor(address="ray://head:10001")``). Each shard is built by one Ray task
and served by one actor that keeps it open, so a search fans out to the actors in parallel, wherever they run.
A shard's files must be readable where its actor runs: on storage every node mounts at the same path, or on the
node the actor is placed on (``actor_options``, e.g. a ``scheduling_strategy``). See docs/guide/scale.md.

An actor that dies (its node fails, it is killed) is not restarted: every call after gives a
:class:`~.executors.ShardFailed` naming the shard, and the index must be opened again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import SearchlibError
from .executors import Executor, ShardFailed, _failed


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise SearchlibError(
            "executor='ray' needs Ray: pip install 'searchlib[ray]' (or pip install 'ray>=2.40')"
        ) from None
    return ray


class RayExecutor(Executor):
    """Shards built by Ray tasks and served by one Ray actor each.

    ``address`` is the cluster's (``"auto"`` for the one this machine has joined, ``"ray://host:10001"`` for a
    remote one); None starts Ray on this machine unless it is already running in this process.
    ``init_options`` go to ``ray.init`` (e.g. ``num_cpus=2``), ``actor_options`` to each actor's
    ``.options()``: a dict, or a function of the shard's name (``"shard-003"``) giving one, to place each shard
    on the node that holds its files. By default actors take ``num_cpus=0`` (a shard never waits for a free CPU
    to be served) and are spread over the nodes.

    >>> RayExecutor(address="auto").address
    'auto'
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        init_options: dict[str, Any] | None = None,
        actor_options: dict[str, Any] | Callable[[str], dict[str, Any]] | None = None,
    ) -> None:
        self.address = address
        self.init_options = dict(init_options or {})
        self.actor_options = actor_options
        self._actors: list[Any] = []
        self._serving: tuple[type, Sequence[tuple[Any, ...]], Sequence[str]] | None = None
        self._names: list[str] = []

    def _started(self) -> Any:
        ray = _ray()
        if not ray.is_initialized():
            options = {"include_dashboard": False, "log_to_driver": False, **self.init_options}
            ray.init(address=self.address, **options)
        return ray

    def _get(self, refs: list[Any], names: Sequence[str]) -> list[Any]:
        """The results of ``refs``, every one: an error of one is raised, naming its shard."""
        ray = self._started()
        out = []
        for ref, name in zip(refs, names, strict=True):
            try:
                out.append(ray.get(ref))
            except ray.exceptions.RayTaskError as e:
                raise _failed(name, e.cause if e.cause is not None else e) from None
            except ray.exceptions.RayActorError as e:
                raise ShardFailed(
                    f"{name} is gone (its Ray actor died: {e.__class__.__name__}); open the index again"
                ) from None
            except ray.exceptions.RayError as e:
                raise ShardFailed(f"{name} failed in Ray: {e}") from None
        return out

    def run(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], names: Sequence[str]) -> list[Any]:
        ray = self._started()
        task = ray.remote(fn).options(max_retries=0)
        shared: dict[int, Any] = {}  # an argument every call shares (the records) goes to Ray's store once

        def put(value: Any) -> Any:
            if isinstance(value, (list, tuple)) and len(value) > 100:
                if id(value) not in shared:
                    shared[id(value)] = ray.put(value)
                return shared[id(value)]
            return value

        refs = [task.remote(*[put(arg) for arg in args]) for args in calls]
        return self._get(refs, names)

    def serve(self, server: type, calls: Sequence[tuple[Any, ...]], names: Sequence[str]) -> None:
        self._serving = (server, calls, names)
        ray = self._started()
        actor = ray.remote(server)
        self._names = list(names)
        self._actors = [
            actor.options(**self._options_for(name)).remote(*args) for args, name in zip(calls, names, strict=True)
        ]
        self._get([a.size.remote() for a in self._actors], self._names)  # each opened its shard, or fails now

    def _options_for(self, name: str) -> dict[str, Any]:
        given = self.actor_options(name) if callable(self.actor_options) else self.actor_options
        return {"num_cpus": 0, "scheduling_strategy": "SPREAD", "max_restarts": 0, **(given or {})}

    def call(self, shard: int, method: str, *args: Any) -> Any:
        return self.call_each(method, [(shard, args)])[0]

    def call_all(self, method: str, args: Sequence[tuple[Any, ...]] | None = None) -> list[Any]:
        return self.call_each(method, [(i, args[i] if args else ()) for i in range(len(self._names))])

    def call_each(self, method: str, calls: Sequence[tuple[int, tuple[Any, ...]]]) -> list[Any]:
        if not self._actors and self._serving is not None:  # closed, and used again: serve the shards again
            self.serve(*self._serving)
        refs = [getattr(self._actors[shard], method).remote(*args) for shard, args in calls]
        return self._get(refs, [self._names[shard] for shard, _ in calls])

    def close(self) -> None:
        if self._actors:
            ray = _ray()
            for a in self._actors:
                ray.kill(a)
        self._actors = []
