"""Benchmark: how well ``searchlib.find_duplicates`` finds the copies reviewers removed, and keeps the rest apart.

Reads ``asysd-dedup/citations_labelled.csv`` under the data folder (default ``../shared/data`` beside the
repository, ``$SEARCHLIB_DATA``, or ``--data DIR``) with ``searchlib.load_records``, groups its records with
``find_duplicates``, and judges each record as the review team labelled it (the ``label`` column):

- a removed record (``Duplicate_in_trash``) counts as found when it is grouped with a kept one (``In_database``):
  sensitivity is the share of removed records found;
- a kept record counts as a false merge when it is grouped with another kept one: specificity is the share of kept
  records not merged.

The goals are a sensitivity of 0.95 and a specificity of 0.998: a false merge drops a study from a review without
anyone seeing it, so it is avoided first. ``--list`` prints the records behind each miss and each false merge, with
the reason their pair was matched, so that a reader can judge them (and the labels) one by one.

Run: ``python benchmarks/dedup.py [--data DIR] [--list]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import DATA, machine  # noqa: E402
from searchlib import Record, find_duplicates, load_records  # noqa: E402
from searchlib.records.likeness import Traits, similarity  # noqa: E402

FILE = Path("asysd-dedup") / "citations_labelled.csv"
KEPT, REMOVED = "In_database", "Duplicate_in_trash"
GOALS = {"sensitivity": 0.95, "specificity": 0.998}


def label(record: Record) -> str:
    return str(record.raw.get("label", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the data folder (default: %(default)s)")
    parser.add_argument("--list", action="store_true", help="print the records behind each miss and false merge")
    args = parser.parse_args()
    print(machine())
    records = load_records(args.data / FILE)
    labels = Counter(label(r) for r in records)
    start = time.perf_counter()
    found = find_duplicates(records)
    seconds = time.perf_counter() - start
    group_of = {id(r): n for n, group in enumerate(found) for r in group}
    kept_in = Counter(group_of[id(r)] for r in records if label(r) == KEPT and id(r) in group_of)
    removed = [r for r in records if label(r) == REMOVED]
    kept = [r for r in records if label(r) == KEPT]
    found_removed = [r for r in removed if kept_in.get(group_of.get(id(r), -1), 0) >= 1]
    merged_kept = [r for r in kept if kept_in.get(group_of.get(id(r), -1), 0) >= 2]
    sensitivity = len(found_removed) / len(removed)
    specificity = 1 - len(merged_kept) / len(kept)
    print(f"{len(records)} records: {labels[KEPT]} kept, {labels[REMOVED]} removed by the reviewers")
    print(
        f"find_duplicates: {len(found)} groups of {sum(len(g) for g in found)} records, "
        f"{len(found.related)} related pairs, in {seconds:.2f} s"
    )
    for name, value, detail in (
        ("sensitivity", sensitivity, f"{len(found_removed)} of {len(removed)} removed records found"),
        ("specificity", specificity, f"{len(merged_kept)} of {len(kept)} kept records merged with a kept one"),
    ):
        verdict = "meets" if value >= GOALS[name] else "misses"
        print(f"{name}: {value:.4f} ({detail}); {verdict} the goal of {GOALS[name]}")
    kept_twins = [[o for o in found[group_of[id(r)]] if o is not r and label(o) == KEPT] for r in merged_kept]
    doi = [any(o.doi and o.doi == r.doi for o in twins) for r, twins in zip(merged_kept, kept_twins, strict=True)]
    place = [any(_same_place(r, o) for o in twins) for r, twins in zip(merged_kept, kept_twins, strict=True)]
    print(
        f"  of the {len(merged_kept)} kept records merged with a kept one, {sum(doi)} share its DOI, "
        f"{sum(place)} its title, first author, volume and first page, {sum(map(max, doi, place))} one or both"
    )
    if args.list:
        _list(found, group_of, removed, found_removed, merged_kept)
    return 0


def _same_place(a: Record, b: Record) -> bool:
    """Whether two records are one paper by what a reader checks first: title, first author, volume, first page."""
    ta, tb = Traits(a), Traits(b)
    return (
        similarity(ta.title, tb.title) >= 0.9
        and ta.surnames[:1] == tb.surnames[:1]
        and ta.volume == tb.volume
        and ta.pages is not None
        and tb.pages is not None
        and ta.pages[0] == tb.pages[0]
    )


def _list(found, group_of, removed, found_removed, merged_kept) -> None:  # type: ignore[no-untyped-def]
    def show(record: Record) -> str:
        first = record.authors[0] if record.authors else "-"
        return (
            f"{label(record)[:4]} {record.raw.get('record_id')}: {record.year} {first} | {record.title[:80]} | "
            f"{record.journal} {record.volume} {record.pages} | {record.doi}"
        )

    print("\nfalse merges (kept records grouped with a kept one):")
    for n in sorted({group_of[id(r)] for r in merged_kept}):
        group = found[n]
        for record in group:
            print("  " + show(record))
        for pair in group.pairs:
            print(f"    {pair.first.raw.get('record_id')} = {pair.second.raw.get('record_id')}: {pair.reason}")
        print()
    print("removed records not found:")
    missed = {id(r) for r in removed} - {id(r) for r in found_removed}
    for record in removed:
        if id(record) in missed:
            print("  " + show(record))


if __name__ == "__main__":
    sys.exit(main())
