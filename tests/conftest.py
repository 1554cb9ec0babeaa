"""Shared fixtures: the bundled seed records and an index built from them once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import searchlib

# Generated tests run the same examples on every run and never time them: no deadline per example, no health
# check on how long generating took, nothing replayed from a database of earlier runs. A busy machine then
# cannot fail them, and a failure seen once is seen again.
settings.register_profile(
    "searchlib", deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("searchlib")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def signing_key(tmp_path_factory):
    """The suite signs indexes with a key of its own, never the user's (the variable reaches subprocesses too)."""
    path = tmp_path_factory.mktemp("key") / "key"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEARCHLIB_KEY_FILE", str(path))
        yield path


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return searchlib.bundled_records_path()


@pytest.fixture(scope="session")
def seed_records(seed_path):
    return searchlib.load_records(seed_path)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, seed_path):
    index = searchlib.build_index(seed_path, tmp_path_factory.mktemp("ix") / "seed")
    yield index
    index.close()


def dois(results) -> list[str]:
    return [hit.doi for hit in results]
