"""Merging copies of one paper into one record that loses nothing.

The same paper arrives from PubMed with its PMID and structured abstract, from a Zotero BibTeX export with neither,
from Embase with its authors' initials only. Merged, each field takes the richer of the values; when both are as
rich, the later one (a corrected record replaces what it corrects), unless the later record is one the paper was
already made of (a file read again changes nothing but what a newer reader finds in it):

| field | the richer value |
|---|---|
| ``doi``, ``pmid``, ``pmcid`` | any over none; the first one stays, the others stay findable as aliases |
| ``title`` | any over none; the whole over a shortened one (one the other starts with); mixed case over capitals |
| ``authors`` | more names; as many, longer ones (given names over initials) |
| abstract and sections | more labelled sections (structured over plain); any over none; whole over cut short |
| ``journal`` | any over none; the full name over its abbreviation |
| ``pages`` | any over none; a range over its first page; written out over abbreviated ("1772-1777") |
| ``date`` | any over none; the more precise ("2015-03-12" over "2015") |
| any other | any over none; a longer list over a shorter one |

Sections that come again only relabelled (a CSV export names them by category) keep the labels they had.

``id`` is the best of the copies' ids (a DOI, then a PMID, a PMCID, a source's id, a content hash), ``raw`` the
first copy's, and ``sources`` every copy's (:class:`~searchlib.records.record.Origin`), each kept once: a record
read again from the same source adds nothing.

>>> from searchlib.records.sections import Section
>>> pubmed = Record("10.1/x", "10.1/x", "Capsulorhexis outcomes", ("Ann Lee", "Bo Kim"), pmid="25466483",
...                 abstract_html="Methods: Capsulorhexis. Results: Fewer tears.",
...                 sections=(Section("Methods", "methods", "Capsulorhexis."),
...                           Section("Results", "results", "Fewer tears.")))
>>> zotero = Record("10.1/x", "10.1/x", "Capsulorhexis outcomes", ("A Lee", "B Kim"), abstract_html="Fewer tears.",
...                 sections=(Section(None, "other", "Fewer tears."),), journal="Ophthalmology")
>>> paper = merge_records([pubmed, zotero])
>>> paper.pmid, paper.authors, [s.category for s in paper.sections], paper.journal, len(paper.sources)
('25466483', ('Ann Lee', 'Bo Kim'), ['methods', 'results'], 'Ophthalmology', 2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from .likeness import differ, journals_agree, page_range, title_key
from .record import Origin, Record, content_id, record_ids

#: Fields decided together (the abstract and its sections), or not by richness (ids, provenance).
_OWN_RULES = frozenset({"id", "raw", "sources", "abstract_html", "abstract", "sections"})
_IDENTIFIERS = frozenset({"doi", "pmid", "pmcid"})


def origins(record: Record) -> tuple[Origin, ...]:
    """Where ``record`` came from: its ``sources``, or, for a record made in Python, one origin standing for it."""
    return record.sources or (Origin(None, None, None, record_ids(record), record.raw),)


def paper_keys(record: Record) -> list[str]:
    """Every identifier a paper is known by: its own (``id:``, ``doi:``, ``pmid:``, ``pmcid:``), each source's."""
    keys = dict.fromkeys(record_ids(record))
    for origin in record.sources:
        keys.update(dict.fromkeys(origin.ids))
    return list(keys)


def merge_records(records: Sequence[Record]) -> Record:
    """One record of several copies of a paper, in the order they were read (see the module's table)."""
    if not records:
        raise ValueError("merge_records needs at least one record")
    paper = records[0]
    for later in records[1:]:
        paper = _absorb(paper, later)
    return paper


def _absorb(paper: Record, later: Record) -> Record:
    known = list(origins(paper))
    added = [o for o in origins(later) if not any(_same_source(o, k) for k in known)]
    # A source read again takes nothing away, nor swaps values as rich as the paper's: only richer ones count.
    again = not added
    values: dict[str, Any] = {
        f.name: _richer(f.name, getattr(paper, f.name), getattr(later, f.name), again)
        for f in fields(Record)
        if f.name not in _OWN_RULES
    }
    new, old = _abstract_rank(later), _abstract_rank(paper)
    if new == old:
        take = _cut_short(paper, later) if again else not (_cut_short(later, paper) or _relabelled(later, paper))
    else:
        take = new > old
    source = later if take else paper
    values.update(abstract_html=source.abstract_html, sections=source.sections, abstract=source.abstract)
    values.update(raw=paper.raw, sources=tuple(known + added), id=min((paper.id, later.id), key=_id_rank))
    return Record(**values)


def _same_source(a: Origin, b: Origin) -> bool:
    return a.format == b.format and a.ids == b.ids and a.raw == b.raw


def _id_rank(paper_id: str) -> int:
    """The better an id names a paper, the lower: a DOI, a PMID, a PMCID, a source's own id, a content hash."""
    if paper_id.startswith("10."):
        return 0
    for rank, prefix in enumerate(("pmid:", "pmcid:"), start=1):
        if paper_id.startswith(prefix):
            return rank
    return 4 if paper_id.startswith("sha1:") else 3


def _abstract_rank(record: Record) -> tuple[int, int]:
    labelled = sum(1 for s in record.sections if s.category != "other")
    return labelled, 1 if record.abstract else 0


def _relabelled(new: Record, old: Record) -> bool:
    """Whether ``new``'s sections are ``old``'s under other labels only (a CSV export names them by category, so
    "MATERIALS AND METHODS" comes back "Methods"): nothing corrected, the source's own labels lost."""
    return [(s.category, s.text) for s in new.sections] == [(s.category, s.text) for s in old.sections] and any(
        a.label != b.label for a, b in zip(new.sections, old.sections, strict=True)
    )


def _cut_short(new: Record, old: Record) -> bool:
    """Whether ``new``'s abstract is ``old``'s cut short (as some exports cut long abstracts)."""
    cut = new.abstract.rstrip(" .…")
    return len(new.abstract) < len(old.abstract) and old.abstract.startswith(cut)


def _richer(name: str, old: Any, new: Any, keep_old: bool = False) -> Any:
    """The richer of two values of the field ``name``; as rich, ``new`` (``old`` with ``keep_old``)."""
    if _empty(new):
        return old
    if _empty(old):
        return new
    if name in _IDENTIFIERS:
        return old
    poorer = _POORER.get(name, _fewer_items)
    if keep_old:
        return new if poorer(old, new) else old
    return old if poorer(new, old) else new


def _fewer_items(new: Any, old: Any) -> bool:
    return isinstance(new, tuple) and isinstance(old, tuple) and len(new) < len(old)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == ()


def _shorter_title(new: str, old: str) -> bool:
    a, b = title_key(new), title_key(old)
    if a != b:
        return b.startswith(a)  # cut short, or its subtitle left out
    return new.isupper() and not old.isupper()


def _fewer_authors(new: tuple[str, ...], old: tuple[str, ...]) -> bool:
    return len(new) < len(old) or (len(new) == len(old) and sum(map(len, new)) < sum(map(len, old)))


def _abbreviated_journal(new: str, old: str) -> bool:
    return len(new) < len(old) and journals_agree(new, old)


def _fewer_pages(new: str, old: str) -> bool:
    a, b = page_range(new), page_range(old)
    return a is not None and b is not None and a[0] == b[0] and (a[1] < b[1] or (a == b and len(new) < len(old)))


def _vaguer_date(new: str, old: str) -> bool:
    return len(new) < len(old) and old.startswith(new)


_POORER: dict[str, Callable[[Any, Any], bool]] = {
    "title": _shorter_title,
    "authors": _fewer_authors,
    "journal": _abbreviated_journal,
    "pages": _fewer_pages,
    "date": _vaguer_date,
}


def same_record(a: Record, b: Record) -> bool:
    """Whether merging changed nothing: every field, the source record and the sources as they were."""
    return a == b and a.raw == b.raw and origins(a) == origins(b)


@dataclass
class Folded:
    """A paper made of some of the records given to :func:`fold`: which ones, and what each added."""

    record: Record
    members: list[int]
    merged: int = 0  # records that added something to the paper
    unchanged: int = 0  # records that added nothing (read before)
    renamed: bool = False  # its id was taken by another paper with the same identifier
    keys: set[str] = field(default_factory=set)


def fold(records: Sequence[Record]) -> list[Folded]:
    """The papers among ``records`` (in the order read), each record merged into the earlier paper it shares an
    identifier with, unless :func:`~searchlib.records.likeness.differ` says they are two papers."""
    papers: list[Folded] = []
    for n, record in enumerate(records):
        keys = set(paper_keys(record))
        same = [p for p in papers if p.keys & keys and not differ(p.record, record)]
        if not same:
            papers.append(Folded(record, [n], keys=keys))
        else:
            first = same[0]
            merged = merge_records([p.record for p in same] + [record])
            for other in same[1:]:
                first.members += other.members
                first.merged += other.merged + 1  # a paper of its own until this record joined them
                first.unchanged += other.unchanged
                first.keys |= other.keys
                papers.remove(other)
            if len(same) == 1 and same_record(first.record, merged):
                first.unchanged += 1
            else:
                first.merged += 1
            first.record, first.keys = merged, first.keys | set(paper_keys(merged))
            first.members.append(n)
    renamed_apart(papers)
    return papers


def renamed_apart(papers: Iterable[Folded]) -> None:
    """Give a content id to each paper whose id an earlier paper already has (two papers sharing a DOI)."""
    taken: set[str] = set()
    for paper in papers:
        if paper.record.id in taken:
            paper.record = rename(paper.record, content_id(paper.record))
            paper.renamed = True
        taken.add(paper.record.id)


def rename(record: Record, new_id: str) -> Record:
    """``record`` under another id (its sources still know the old one)."""
    values = {f.name: getattr(record, f.name) for f in fields(Record)}
    values.update(id=new_id, sources=origins(record))
    return Record(**values)
