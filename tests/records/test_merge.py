"""Merging copies of a paper keeps, field by field, the richer value; as rich, the later one."""

from __future__ import annotations

import pytest

from searchlib import Record, Section
from searchlib.records.merge import merge_records

PLAIN = dict(
    abstract_html="We counted falls.",
    sections=(Section(None, "other", "We counted falls."),),
    abstract="We counted falls.",
)
STRUCTURED = dict(
    abstract_html="Methods: We counted. Results: Fewer falls.",
    sections=(Section("Methods", "methods", "We counted."), Section("Results", "results", "Fewer falls.")),
    abstract="We counted. Fewer falls.",
)


def paper(**values) -> Record:
    base = dict(id="10.1/x", doi="10.1/x", title="Falls on wards", authors=("Ann Lee",))
    return Record(**{**base, **values})


@pytest.mark.parametrize(
    "field, rich, poor",
    [
        ("pmid", "123", None),
        ("title", "Falls on wards: a cohort study", "Falls on wards"),
        ("title", "Falls on wards", "FALLS ON WARDS"),
        ("authors", ("Ann Lee", "Bo Kim"), ("Ann Lee",)),
        ("authors", ("Ann Lee", "Bo Kim"), ("A Lee", "B Kim")),
        ("journal", "Journal of Cardiovascular Medicine", "J Cardiovasc Med"),
        ("pages", "1772-1777", "1772-7"),
        ("pages", "1772-1777", "1772"),
        ("date", "2015-03-12", "2015"),
        ("volume", "12", None),
        ("year", 2015, None),
        ("pdf_url", "https://example.org/x.pdf", None),
    ],
)
def test_the_richer_value_wins_whichever_copy_comes_last(field, rich, poor):
    for order in ((rich, poor), (poor, rich)):
        assert getattr(merge_records([paper(**{field: v}) for v in order]), field) == rich


def test_a_structured_abstract_is_never_replaced_by_a_plain_or_empty_one():
    for copies in ([STRUCTURED, PLAIN, {}], [{}, PLAIN, STRUCTURED], [PLAIN, STRUCTURED, {}]):
        merged = merge_records([paper(**c) for c in copies])
        assert (merged.abstract_html, merged.sections) == (STRUCTURED["abstract_html"], STRUCTURED["sections"])
    cut = dict(abstract_html="We counted", sections=(Section(None, "other", "We counted"),), abstract="We counted")
    assert merge_records([paper(**PLAIN), paper(**cut)]).abstract == "We counted falls."


def test_identifiers_are_never_dropped_and_the_best_id_wins():
    by_pmid = Record("pmid:123", None, "Falls", (), pmid="123")
    by_doi = Record("10.1/x", "10.1/x", "Falls", (), pmcid="PMC9")
    merged = merge_records([by_pmid, by_doi])
    assert (merged.id, merged.doi, merged.pmid, merged.pmcid) == ("10.1/x", "10.1/x", "123", "PMC9")
    assert merge_records([by_doi, Record("10.1/x", "10.1/x", "Falls", (), pmid="456"), by_pmid]).pmid == "456"


def test_as_rich_the_later_value_wins_unless_the_same_record_comes_again():
    earlier, later = paper(title="Falls on wards"), paper(title="Falls in wards", raw={"v": 2})
    assert merge_records([earlier, later]).title == "Falls in wards"  # a correction
    twice = merge_records([merge_records([earlier, later]), earlier])
    assert twice.title == "Falls in wards" and len(twice.sources) == 2  # read again: nothing changes
