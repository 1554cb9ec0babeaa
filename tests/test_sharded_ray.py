"""A sharded index built by Ray tasks and served by Ray actors, on a local Ray instance (``ray.init(num_cpus=2)``,
started once for the module): the same results as one index, and a shard whose actor dies is an error naming it.

CI installs the ``ray`` extra and runs these; elsewhere they are skipped when Ray is not installed.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

import searchlib
from searchlib import RayExecutor, SearchlibError
from tests.test_sharded import MEDLINE, QUERIES, _same_results

ray = importlib.import_module("ray") if os.environ.get("CI") else pytest.importorskip("ray")

pytestmark = pytest.mark.heavy


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def both(local_ray, tmp_path_factory):
    where: Path = tmp_path_factory.mktemp("ray")
    files = [MEDLINE, searchlib.bundled_records_path()]
    one = searchlib.build_index(files, where / "one")
    # each file is read, then split by shard, by a Ray task; each shard built by another
    many = searchlib.build_index(files, where / "many", shards=2, executor="ray")
    yield one, many
    one.close()
    many.close()


def test_shards_built_by_ray_tasks_and_served_by_actors_answer_as_one_index(both):
    one, many = both
    assert type(many.executor) is RayExecutor and len(many.executor._actors) == 2
    for query, options in QUERIES[:3] + QUERIES[11:13] + QUERIES[15:16] + QUERIES[20:25]:
        _same_results(one, many, query, options)
    hits = many.search("ti:tumor")
    assert [h.highlights for h in hits] == [h.highlights for h in one.search("ti:tumor")]
    assert many.search("cancr tretment").suggestion == one.search("cancr tretment").suggestion
    assert sorted(r.id for r in many) == sorted(r.id for r in one)


def test_a_shard_whose_actor_dies_fails_the_search_naming_it(both):
    _, built = both
    many = searchlib.open_index(built.path, executor=RayExecutor())
    assert many.search("cancer").total == built.search("cancer").total
    ray.kill(many.executor._actors[1])
    with pytest.raises(SearchlibError, match="shard-001 is gone"):
        many.search("cancer")
    with pytest.raises(SearchlibError, match="shard-001"):
        len(many)
    many.close()
