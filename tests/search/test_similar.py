"""More like this: papers about the same thing, the paper itself never among them."""

from __future__ import annotations

import pytest

import searchlib
from searchlib import SearchlibError
from tests.conftest import dois

AUDIT = "10.1136/bmjqs-2024-018081"  # audit and feedback on antibiotic prescribing
ICU_ANTIBIOTICS = "10.1136/bmjqs-2024-017796"  # duration of antibiotic therapy in intensive care


def test_similar_finds_the_other_antibiotic_paper_first(seed_index):
    results = seed_index.similar(AUDIT)
    assert results[0].doi == ICU_ANTIBIOTICS
    assert AUDIT not in dois(results)


def test_similar_never_returns_the_paper_itself(seed_index, seed_records):
    for record in seed_records:
        assert record.doi not in dois(seed_index.similar(record.doi, limit=None))


def test_similar_on_hand_written_records():
    index = searchlib.build_index(
        [
            {"doi": "10.1/a", "title": "Falls in older people in hospital", "abstract": "Falls and fractures."},
            {"doi": "10.1/b", "title": "Preventing falls in older people", "abstract": "Falls prevention."},
            {"doi": "10.1/c", "title": "Hand hygiene audit", "abstract": "Hygiene compliance audit."},
        ]
    )
    assert dois(index.similar("10.1/a")) == ["10.1/b"]
    assert dois(index.similar("https://doi.org/10.1/A", limit=1)) == ["10.1/b"]


def test_similar_limit_and_unknown_doi(seed_index):
    assert len(seed_index.similar(AUDIT, limit=2)) == 2
    with pytest.raises(SearchlibError, match="no paper"):
        seed_index.similar("10.9/not-there")


def test_total_leaves_the_paper_out_whatever_the_limit(seed_index):
    everything = seed_index.similar(AUDIT, limit=None)
    assert seed_index.similar(AUDIT, limit=2).total == everything.total == len(everything)
