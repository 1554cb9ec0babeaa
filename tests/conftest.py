"""Shared fixtures: the bundled seed records and an index built from them once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

import searchlib

FIXTURES = Path(__file__).parent / "fixtures"


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
