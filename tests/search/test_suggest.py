"""Did you mean: corrections from the index's own words, only when they find more."""

from __future__ import annotations

import pytest

import searchlib
from searchlib.search.suggest import edit_distance


def test_misspelt_query_gets_a_correction_that_finds_papers(seed_index):
    results = seed_index.search("randmized trail")
    assert results.total == 0
    assert results.suggestion == "randomised trial"
    assert seed_index.search(results.suggestion).total > 0


def test_correct_query_gets_no_suggestion(seed_index):
    assert seed_index.search("randomised trial").suggestion is None
    assert seed_index.search("interviews").suggestion is None


def test_suggestion_is_a_surface_word_not_a_stem(seed_index):
    # The index holds the stem "hospit"; the suggestion must be a word someone writes.
    suggestion = seed_index.search("hospitl").suggestion
    assert suggestion in {"hospital", "hospitals"}


def test_fields_and_operators_are_kept_and_names_left_alone(seed_index):
    assert seed_index.search("methods:intervews").suggestion == "methods:interviews"
    fixed = seed_index.search("antibiotc OR feedbak").suggestion
    assert fixed == "antibiotic OR feedback"
    # An author name is not corrected against title and abstract words.
    assert seed_index.search("au:lawtn").suggestion is None


def test_words_of_another_index_are_not_suggested(tmp_path):
    searchlib.build_index([{"doi": "10.1/p", "title": "Pneumonia in adults"}])
    searchlib.build_index([{"doi": "10.1/q", "title": "Pneumonia in children"}], tmp_path / "p")
    other = searchlib.build_index([{"doi": "10.1/s", "title": "Pneumonic sepsis in children"}])
    # "pneumonia" is one edit away and known in this process, but no paper of this index holds it.
    assert other.search("pneumonai").suggestion == "pneumonic"
    assert other.search("sepsus").suggestion == "sepsis"


def test_what_an_index_suggests_does_not_depend_on_other_indexes(seed_index, tmp_path):
    # "randomized" is closer to "randmized" than the seed's own "randomised", and stems alike.
    first = seed_index.search("randmized trail").suggestion
    searchlib.build_index([{"doi": "10.1/r", "title": "A randomized trial"}])
    searchlib.build_index([{"doi": "10.1/r", "title": "A randomized trial"}], tmp_path / "r").close()
    assert seed_index.search("randmized trail").suggestion == first == "randomised trial"
    reopened = searchlib.open_index(seed_index.path)
    assert reopened.search("randmized trail").suggestion == "randomised trial"


def test_words_added_after_opening_are_suggested(tmp_path):
    index = searchlib.build_index([{"doi": "10.1/a", "title": "Hospital wards"}], tmp_path / "ix")
    assert index.search("pneumonai").suggestion is None
    index.add([{"doi": "10.1/b", "title": "Pneumonia in adults"}])
    assert index.search("pneumonai").suggestion == "pneumonia"
    memory = searchlib.build_index([{"doi": "10.1/a", "title": "Hospital wards"}])
    memory.add([{"doi": "10.1/b", "title": "Pneumonia in adults"}])
    assert memory.search("pneumonai").suggestion == "pneumonia"


def test_case_is_kept():
    index = searchlib.build_index([{"doi": "10.1/a", "title": "Sepsis in children", "abstract": "Sepsis care."}])
    assert index.search("Sepssi").suggestion == "Sepsis"


def test_a_word_that_exists_is_changed_only_for_a_far_commoner_one():
    records = [{"doi": f"10.1/{i}", "title": "randomised trial of care"} for i in range(12)]
    records.append({"doi": "10.1/trail", "title": "a walking trail"})
    index = searchlib.build_index(records)
    # "trail" is a real word in one paper, but with "randomised" it matches nothing, and "trial" is in 12.
    results = index.search("randomised trail")
    assert results.total == 0 and results.suggestion == "randomised trial"
    assert index.search("walking trail").suggestion is None


def test_edit_distance_counts_a_swap_as_one():
    assert edit_distance("trail", "trial") == 1
    assert edit_distance("abc", "abc") == 0
    assert edit_distance("sepsis", "sepssi") == 1
    assert edit_distance("kitten", "sitting") == 3


@pytest.fixture
def looked_at(monkeypatch) -> list[str]:
    """The words a suggestion looks for corrections of, in order."""
    from searchlib.search import suggest

    words: list[str] = []
    real = suggest._correct
    monkeypatch.setattr(
        suggest,
        "_correct",
        lambda reader, known, word, total: words.append(word) or real(reader, known, word, total),
    )
    return words


def test_a_repeated_word_is_corrected_everywhere_and_looked_at_once(seed_index, looked_at):
    assert seed_index.search("randmized " * 400).suggestion == "randomised " * 400
    assert looked_at == ["randmized"]


def test_a_long_query_has_a_bounded_number_of_words_looked_at(seed_index, looked_at):
    from searchlib.search import suggest

    words = [f"zq{chr(97 + i // 26)}{chr(97 + i % 26)}word" for i in range(60)] + ["x" * 60, "randmized"]
    assert seed_index.search(" OR ".join(words)).suggestion is None
    assert len(looked_at) == suggest.MAX_LOOKED_AT
    assert "x" * 60 not in looked_at
