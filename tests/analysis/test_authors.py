"""Author names found the ways researchers type them, on the seed records and a few written here."""

from __future__ import annotations

import pytest

import searchlib
from tests.conftest import dois

HYBRID = "10.1136/bmjqs-2024-017268"  # Sarah Hampton; Jenni Murray; Rebecca Lawton; Laura Sheard
ANTIBIOTIC = "10.1136/bmjqs-2024-017796"  # ... Johannes G van der Hoeven; ... Jaap Ten Oever; ...
CANCER = "10.1136/bmjqs-2024-017809"  # ... Miguel Rodríguez-Barranco; ... Arantza López de Munain; ...
REALIST = "10.1136/bmjqs-2024-017386"  # ... Graham P Martin; ...
HOIE = "10.1136/bmjqs-2024-017214"  # Siri Wiig; Catherine Jane Calderwood; Bent Høie; Jeffrey Braithwaite


@pytest.fixture(scope="module")
def small_index():
    """Two Lawtons told apart only by a middle initial, and a name already written PubMed-style."""
    records = [
        {"doi": "10.1/rj", "title": "Safety culture in wards", "authors": ["Rebecca J Lawton", "Ann Other"]},
        {"doi": "10.1/r", "title": "Safety climate surveys", "authors": ["Ann Other", "Rebecca Lawton"]},
        {"doi": "10.1/pm", "title": "Hand hygiene audit", "authors": ["Smith JA", "Lawton R"]},
    ]
    index = searchlib.build_index(records)
    yield index
    index.close()


@pytest.mark.parametrize(
    "query", ["au:lawton", 'au:"Lawton R"', 'au:"Rebecca Lawton"', 'au:"Lawton, Rebecca"', "au:LAWTON"]
)
def test_every_way_of_writing_rebecca_lawton_finds_her(seed_index, query):
    assert dois(seed_index.search(query)) == [HYBRID]


def test_initials_match_as_in_pubmed(small_index):
    # "Lawton R" finds Rebecca J Lawton too; "Lawton RJ" finds only her.
    assert set(dois(small_index.search('au:"Lawton R"'))) == {"10.1/rj", "10.1/r", "10.1/pm"}
    assert dois(small_index.search('au:"Lawton RJ"')) == ["10.1/rj"]
    assert dois(small_index.search('au:"Rebecca Lawton"', limit=None)) != []
    assert "10.1/rj" in dois(small_index.search('au:"Rebecca Lawton"'))


def test_a_name_already_written_pubmed_style_is_read_as_surname_and_initials(small_index):
    assert dois(small_index.search('au:"Smith JA"')) == ["10.1/pm"]
    assert dois(small_index.search('au:"Smith J"')) == ["10.1/pm"]
    assert dois(small_index.search("au:smith")) == ["10.1/pm"]


@pytest.mark.parametrize("query", ["au:Høie", "au:hoie", "au:HOIE", 'au:"Hoie B"', 'au:"Bent Høie"'])
def test_diacritics_and_case_never_matter(seed_index, query):
    assert dois(seed_index.search(query)) == [HOIE]


@pytest.mark.parametrize(
    "query",
    [
        'au:"Rodríguez-Barranco"',
        'au:"Rodriguez-Barranco M"',
        'au:"rodriguez barranco m"',  # PubMed often drops the hyphen
        "au:barranco",
        'au:"Sánchez"',
        'au:"Lopez de Munain A"',  # PubMed's form of Arantza López de Munain
        'au:"de Munain"',
        'au:"Arantza López de Munain"',
    ],
)
def test_hyphenated_and_compound_spanish_surnames(seed_index, query):
    assert dois(seed_index.search(query)) == [CANCER]


@pytest.mark.parametrize(
    "query", ['au:"van der Hoeven JG"', 'au:"van der Hoeven J"', "au:hoeven", 'au:"Ten Oever J"', 'au:"ten oever"']
)
def test_particle_surnames(seed_index, query):
    assert dois(seed_index.search(query)) == [ANTIBIOTIC]


def test_middle_initials_are_optional_in_a_full_name(seed_index):
    assert dois(seed_index.search('au:"Graham Martin"')) == [REALIST]
    assert dois(seed_index.search('au:"Martin GP"')) == [REALIST]
    assert dois(seed_index.search('au:"Martin GX"')) == []


def test_an_initial_that_is_also_a_stopword_is_kept(seed_index):
    # "A" is a stopword in text, but after a surname it is an initial: "Lopez de Munain X" finds no one.
    assert dois(seed_index.search('au:"Lopez de Munain X"')) == []
    assert dois(seed_index.search('au:"Lopez de Munain A"')) == [CANCER]


def test_first_and_last_author_restrict_position(seed_index):
    assert dois(seed_index.search("first_author:hampton")) == [HYBRID]
    assert dois(seed_index.search("last_author:hampton")) == []
    assert dois(seed_index.search('last_author:"Sheard L"')) == [HYBRID]
    assert dois(seed_index.search("first_author:lawton")) == []  # she is third
    assert dois(seed_index.search("last_author:braithwaite")) == [HOIE]
