"""PubMed search strategies run as written: one test per tag, operators, mixing, and tags refused."""

from __future__ import annotations

from pathlib import Path

import pytest

import searchlib
from searchlib import QueryError
from searchlib.search.pubmed_tags import TAGS
from searchlib.search.syntax import parse
from searchlib.search.tree import And, Phrase, Range, Word
from tests.conftest import dois

HYBRID = "10.1136/bmjqs-2024-017268"  # Hampton, Murray, Lawton, Sheard; 2025
REALIST = "10.1136/bmjqs-2024-017386"
ANTIBIOTIC = "10.1136/bmjqs-2024-017796"
HOIE = "10.1136/bmjqs-2024-017214"  # Wiig ... Braithwaite; 2024-12-13


def test_au(seed_index):
    assert dois(seed_index.search("lawton r[au]")) == [HYBRID]
    assert dois(seed_index.search("Rebecca Lawton[author]")) == [HYBRID]
    assert dois(seed_index.search("lawton x[au]")) == []


def test_fau(seed_index):
    assert dois(seed_index.search("Lawton, Rebecca[fau]")) == [HYBRID]


def test_1au(seed_index):
    assert dois(seed_index.search("hampton s[1au]")) == [HYBRID]
    assert dois(seed_index.search("lawton r[1au]")) == []


def test_lastau(seed_index):
    assert dois(seed_index.search("sheard l[lastau]")) == [HYBRID]
    assert dois(seed_index.search("hampton s[lastau]")) == []


def test_ti(seed_index):
    in_title = dois(seed_index.search("hybrid[ti]"))
    assert in_title == [HYBRID]
    assert dois(seed_index.search("hybrid[title]")) == in_title
    # "interviews" is in abstracts, never in a title
    assert dois(seed_index.search("interviews[ti]")) == []
    assert dois(seed_index.search("interviews"))


def test_tiab(seed_index):
    found = dois(seed_index.search('"intensive care unit"[tiab]'))
    assert ANTIBIOTIC in found
    assert dois(seed_index.search("intensive care unit[tiab]")) == found  # several words: a phrase
    assert dois(seed_index.search('"intensive care unit"[title/abstract]')) == found
    assert dois(seed_index.search('"care intensive unit"[tiab]')) == []


def test_tiab_wildcard(seed_index):
    found = set(dois(seed_index.search("hospital*[tiab]")))
    assert found >= set(dois(seed_index.search("hospitals[tiab]")))
    assert found and found == set(dois(seed_index.search("title:hospital* OR abstract:hospital*")))


def test_ab(seed_index):
    assert set(dois(seed_index.search("interviews[ab]"))) == set(dois(seed_index.search("abstract:interviews")))


def test_dp_year_range(seed_index):
    in_2024 = dois(seed_index.search("2024[dp]", limit=None))
    in_2025 = dois(seed_index.search("2025[pdat]", limit=None))
    assert len(in_2024) == 6 and len(in_2025) == 4 and HYBRID in in_2025
    assert len(seed_index.search("2020:2024[dp]", limit=None)) == 6
    assert len(seed_index.search("2024:2025[dp]", limit=None)) == 10
    assert dois(seed_index.search("2025[publication date]", limit=None)) == in_2025
    pubmed_form = '"2025/01/01"[Date - Publication] : "2025/12/31"[date - publication]'
    assert dois(seed_index.search(pubmed_form)) == in_2025


def test_dp_dates(seed_index):
    dec_13 = set(dois(seed_index.search("2024/12/13[dp]", limit=None)))
    assert HOIE in dec_13 and len(dec_13) == 3
    assert len(seed_index.search("2024/12[dp]", limit=None)) == 6
    # 2024-12-28, 2024-12-31 (two), 2025-01-09, 2025-01-11
    assert len(seed_index.search("2024/12/14:2025/01/11[dp]", limit=None)) == 5


def test_ta_abbreviation_and_full_name(seed_index):
    assert len(seed_index.search("BMJ Qual Saf[ta]", limit=None)) == 10
    assert len(seed_index.search('"BMJ Quality & Safety"[journal]', limit=None)) == 10
    assert len(seed_index.search("BMJ Open Qual[jour]", limit=None)) == 0


def test_aid(seed_index):
    assert dois(seed_index.search("10.1136/BMJQS-2024-017386[aid]")) == [REALIST]


def test_pmid_uid_and_pmcid():
    index = searchlib.build_index(
        [
            {"pmid": "28775130", "pmcid": "PMC5012345", "title": "Falls in hospital"},
            {"pmid": "123", "title": "Falls at home"},
        ]
    )
    assert [h.record.pmid for h in index.search("28775130[pmid]")] == ["28775130"]
    assert [h.record.pmid for h in index.search("123[uid]")] == ["123"]
    assert [h.record.pmid for h in index.search("pmc5012345[pmcid]")] == ["28775130"]


def test_all(seed_index):
    assert dois(seed_index.search("hybrid[all]")) == dois(seed_index.search("hybrid"))


def test_every_supported_tag_has_a_test():
    here = Path(__file__).parent
    written = "".join(p.read_text(encoding="utf-8") for p in sorted(here.glob("test_pubmed_*.py")))
    for tag in TAGS:
        assert f"[{tag}]" in written, f"no test uses [{tag}]"


def test_a_strategy_with_operators_and_parentheses(seed_index):
    q = "(lawton r[au] OR wiig s[au]) AND 2020:2025[dp] NOT hybrid[ti]"
    assert dois(seed_index.search(q)) == [HOIE]


def test_tags_mix_with_field_syntax(seed_index):
    assert dois(seed_index.search("methods:interviews AND lawton r[au]")) == [HYBRID]
    assert dois(seed_index.search("year:2025 hybrid[ti]")) == [HYBRID]
    assert dois(seed_index.search("year:[2020 TO 2024] hybrid[ti]")) == []


def test_each_kind_of_tag_is_read_as_its_fields():
    assert parse("lawton r[au]").tree == Phrase((("lawton",), ("r",)), ("authors",))
    assert parse("hospital*[tiab]").tree == Word("hospital*", ("title", "abstract"))
    assert parse("2020:2024[dp]").tree == Range("year", 2020, 2024)
    assert parse("BMJ Qual Saf[ta]").tree == And(tuple(Word(w, ("journal",)) for w in ("bmj*", "qual*", "saf*")))
    assert parse("year:[2020 TO 2024]").tree == Range("year", 2020, 2024)  # a range is not a tag


@pytest.mark.parametrize("tag", ["tw", "text word", "sb", "xyz"])
def test_unsupported_tags_are_refused_by_name(seed_index, tag):
    with pytest.raises(QueryError, match=rf"\[{tag.lower()}\]"):
        seed_index.search(f"asthma[{tag}]")


def test_a_tag_with_nothing_before_it_or_an_unreadable_date(seed_index):
    with pytest.raises(QueryError, match="no term before it"):
        seed_index.search("[au]")
    with pytest.raises(QueryError, match="cannot read the date"):
        seed_index.search("last 5 years[dp]")
