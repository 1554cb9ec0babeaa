"""find_duplicates groups the copies of one paper in a merged export, and keeps related papers apart."""

from __future__ import annotations

import pytest

from searchlib import ArgumentError, Record, find_duplicates, load_records
from tests.conftest import FIXTURES

EXPORT = FIXTURES / "dedup" / "export.ris"
#: The fixture's design, record by record (numbered from 1 as in the file): which are copies of one paper...
COPIES = {frozenset({1, 2}), frozenset({3, 4})}
#: ...and which are related papers, each named once however many copies it has.
RELATED = {
    frozenset({3, 5}): "same title and authors, different DOIs",  # a paper and its companion in another journal
    frozenset({6, 7}): "a correction and the paper it corrects",
    frozenset({8, 9}): "a preprint and its published version",  # 10.1101/014852 and 10.1002/ece3.2314
    frozenset({10, 11}): "same DOI, different titles and first authors (abstracts of one supplement?)",
}
# Apart, in no group and no pair: "Part 1" and "Part 2" of a series (12, 13); two letters titled alike by other
# authors (14, 15); two editorials of one volume (16, 17); a conference abstract and its article (18, 19).


def _numbers(records) -> frozenset[int]:
    return frozenset(r.sources[0].number for r in records)


def test_copies_are_grouped_and_related_papers_kept_apart():
    records = load_records(EXPORT)
    found = find_duplicates(records)
    assert {_numbers(group) for group in found} == COPIES
    assert {_numbers((p.first, p.second)): p.reason for p in found.related} == RELATED
    by_number = {r.sources[0].number: r for r in records}
    assert all(r is by_number[r.sources[0].number] for group in found for r in group)  # the records given
    assert [p.reason for p in found[0].pairs] == ["same title, authors, year, journal, volume, pages and abstract"]
    assert [p.reason for p in found[1].pairs] == ["same DOI"]  # "(98)" and "%2898%29" are one DOI


def test_a_group_merges_into_the_richest_of_its_copies():
    first, second = find_duplicates(load_records(EXPORT))[0]
    merged = find_duplicates([first, second])[0].merged()
    assert merged.pages == "13-18" and merged.journal == "Molecular and Cellular Biochemistry"
    assert [s.category for s in merged.sections] == ["background", "methods"]  # structured over plain
    assert [o.number for o in merged.sources] == [1, 2]


def test_nothing_is_grouped_on_a_title_alone():
    summaries = [
        Record(f"sha1:{n}", None, "Summary", (), journal=j) for n, j in enumerate(["Heart", "Heart", None])
    ]
    alike = [
        Record(f"sha1:a{n}", None, "Falls in older people on wards", (a,), year=2020) for n, a in enumerate("AB")
    ]
    assert find_duplicates(summaries + alike) == []


@pytest.mark.parametrize("bad", ["export.ris", None, 5, [{"title": "A dict, not a record"}], EXPORT])
def test_what_is_not_a_list_of_records_is_refused(bad):
    with pytest.raises(ArgumentError, match="find_duplicates takes .*records"):
        find_duplicates(bad)
