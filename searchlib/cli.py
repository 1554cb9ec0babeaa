"""The ``searchlib`` command: a thin layer over the library, one subcommand per library call.

    searchlib index FILE... [--index DIR] [--overwrite] [--skip-errors] [--from FORMAT] [--wait SECONDS]
                    [--procs N]
    searchlib search QUERY [--index DIR] [--limit N] [--any] [--format table|jsonl|ris|bibtex|csv] [--json]
                     [--year 2020-2024] [--journal NAME] [--sort relevance|date|-date|newest|oldest]
                     [--facets year,journal,section]
    searchlib export [--index DIR] [--format jsonl|ris|bibtex|csv] [-o FILE]
    searchlib similar DOI [--index DIR] [--limit N] [--json]
    searchlib explain QUERY DOI [--index DIR] [--any]
    searchlib show DOI [--index DIR] [--json]
    searchlib stats [--index DIR] [--json]
    searchlib delete DOI... [--index DIR]
    searchlib optimize [--index DIR]
    searchlib evaluate --queries Q --qrels R [--index DIR] [--metric M]... [--all] [--json]

Without ``--index`` the index is ``indexes/default`` under the current folder (or ``$SEARCHLIB_INDEX``);
``search`` builds it from the bundled sample records the first time. Errors print one line and exit 1.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import orjson

from ._engine.schema import make_schema
from ._engine.storage import MANIFEST
from .errors import LoadError, SearchlibError
from .index import Index, build_index, open_index
from .progress import ProgressBar
from .records.export import EXPORT_FORMATS, export_records
from .records.readers import FORMATS, bundled_records_path, read_records, records_only
from .records.record import Record
from .results import Results
from .search.facets import FACETS, SORTS
from .search.query import QueryParser

DEFAULT_INDEX = Path("indexes") / "default"
#: Fewer records than this index in a few seconds: no progress bar.
_PROGRESS_MIN_BYTES = 4_000_000  # about 2,000 records with abstracts


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SearchlibError as exc:
        print(f"searchlib: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("searchlib: interrupted; the index is as it was at its last commit", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `searchlib search ... | head`
        return 0


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(prog="searchlib", description="Search scholarly paper records.")
    p.add_argument("--version", action="version", version=f"searchlib {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def with_index(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--index", metavar="DIR", help=f"index folder (default: {DEFAULT_INDEX})")
        return sp

    sp = with_index(sub.add_parser("index", help="index record files (insert or replace by DOI)"))
    sp.add_argument("files", nargs="+", metavar="FILE")
    sp.add_argument("--overwrite", action="store_true", help="replace the index instead of adding to it")
    sp.add_argument("--skip-errors", action="store_true", help="skip malformed records, and list them")
    sp.add_argument("--from", dest="input_format", choices=FORMATS, help="the files' format (default: detected)")
    sp.add_argument("--wait", type=float, default=5.0, metavar="SECONDS", help="wait for another writer")
    sp.add_argument(
        "--procs",
        type=int,
        metavar="N",
        help="processes for a new index, used past 2,000 records (default on Linux: the CPUs, at most 2)",
    )
    sp.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: on a terminal, for files of a few MB or more)",
    )
    sp.add_argument(
        "--batch-size",
        type=int,
        metavar="N",
        help="when adding to an index, commit every N records, so an interrupted add keeps the batches done",
    )
    sp.set_defaults(func=_cmd_index)

    sp = with_index(sub.add_parser("search", help="search the index"))
    sp.add_argument("query")
    sp.add_argument("--limit", type=int, default=10, metavar="N")
    sp.add_argument("--any", action="store_true", help="rank papers matching any word, not all of them")
    sp.add_argument(
        "--feedback",
        action=argparse.BooleanOptionalAction,
        help="add the top papers' telling words (default: on with --any)",
    )
    sp.add_argument("--format", choices=("table", *EXPORT_FORMATS), default="table", help="output format")
    sp.add_argument("--json", action="store_true", help="one JSON object per hit (same as --format jsonl)")
    sp.add_argument("--year", type=_year_range, metavar="YEARS", help="2024, 2020-2024, 2020- or -2024")
    sp.add_argument("--journal", action="append", metavar="NAME", help="only this journal (repeatable)")
    sp.add_argument(
        "--sort",
        choices=[*SORTS, "newest", "oldest"],
        default="relevance",
        help="date (or oldest): oldest first; --sort=-date (or newest): newest first",
    )
    sp.add_argument("--facets", metavar="NAMES", help=f"count matches per {', '.join(FACETS)} (comma-separated)")
    sp.set_defaults(func=_cmd_search)

    sp = with_index(sub.add_parser("export", help="write every paper in the index (RIS, BibTeX, CSV, JSON Lines)"))
    sp.add_argument("--format", choices=EXPORT_FORMATS, help="default: from -o's extension, else jsonl")
    sp.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    sp.set_defaults(func=_cmd_export)

    sp = with_index(sub.add_parser("similar", help="papers like this one"))
    sp.add_argument("doi")
    sp.add_argument("--limit", type=int, default=10, metavar="N")
    sp.add_argument("--json", action="store_true", help="one JSON object per hit")
    sp.set_defaults(func=_cmd_similar)

    sp = with_index(sub.add_parser("explain", help="how a paper's score for a query arose"))
    sp.add_argument("query")
    sp.add_argument("doi")
    sp.add_argument("--any", action="store_true", help="as search --any")
    sp.set_defaults(func=_cmd_explain)

    sp = with_index(sub.add_parser("delete", help="remove papers by DOI or id"))
    sp.add_argument("dois", nargs="+", metavar="DOI")
    sp.set_defaults(func=_cmd_delete)

    sp = with_index(sub.add_parser("optimize", help="merge the index into one segment"))
    sp.set_defaults(func=_cmd_optimize)

    sp = with_index(sub.add_parser("show", help="show one paper"))
    sp.add_argument("doi")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=_cmd_show)

    sp = with_index(sub.add_parser("stats", help="what the index holds"))
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=_cmd_stats)

    sp = with_index(sub.add_parser("evaluate", help="score the ranking against relevance judgments"))
    sp.add_argument("--queries", required=True, metavar="Q", help="queries: JSONL (_id, text) or TSV (qid, text)")
    sp.add_argument("--qrels", required=True, metavar="R", help="judgments: TREC (qid 0 doc rel) or BEIR TSV")
    sp.add_argument(
        "--metric", action="append", metavar="M", help="ir-measures name (repeatable; default: nDCG@10, R@100, AP)"
    )
    sp.add_argument("--all", action="store_true", help="search as fielded queries needing every word, not as text")
    sp.add_argument(
        "--feedback",
        action=argparse.BooleanOptionalAction,
        help="search with pseudo-relevance feedback (default: on unless --all)",
    )
    sp.add_argument("--json", action="store_true", help="one JSON object: metrics, mean, per_query")
    sp.set_defaults(func=_cmd_evaluate)
    return p


def _index_path(args: argparse.Namespace) -> Path:
    return Path(args.index or os.environ.get("SEARCHLIB_INDEX") or DEFAULT_INDEX)


def _open(args: argparse.Namespace, build_default: bool = False) -> Index:
    path = _index_path(args)
    if build_default and args.index is None and not (path / MANIFEST).exists() and not path.exists():
        print(f"searchlib: no index at {path}; building it from the bundled sample records", file=sys.stderr)
        return build_index(bundled_records_path(), path)
    return open_index(path)


def _cmd_index(args: argparse.Namespace) -> int:
    path = _index_path(args)
    skipped: list[LoadError] = []
    count = [0]

    def records() -> Iterator[Record]:
        """The files' records as they are read, so memory does not grow with the files; skipped ones listed."""
        keep = skipped if args.skip_errors else None
        for name in args.files:
            for record in records_only(read_records(Path(name), args.input_format), keep):
                count[0] += 1
                yield record

    # A bar with rate and ETA for builds long enough to wait for (on a terminal, or when asked for).
    size = sum(Path(name).stat().st_size for name in args.files if Path(name).is_file())
    show = args.progress if args.progress is not None else size >= _PROGRESS_MIN_BYTES and sys.stderr.isatty()
    progress = ProgressBar() if show else None
    if args.overwrite or not (path / MANIFEST).exists():
        index = build_index(records(), path, overwrite=args.overwrite, progress=progress, procs=args.procs)
        verb = "built"
    else:
        index = open_index(path)
        index.add(records(), timeout=args.wait, progress=progress, batch_size=args.batch_size)
        verb = "updated"
    print(f"{verb} {path}: {count[0]} records indexed, {len(index)} papers in the index")
    if skipped:
        print(f"skipped {len(skipped)} malformed record(s):", file=sys.stderr)
        for err in skipped:
            print(f"  {err}", file=sys.stderr)
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    match = "any" if args.any else "all"
    QueryParser(make_schema()).parse(args.query, match=match)  # a bad query fails before any index is built
    facet_names = [f.strip() for f in args.facets.split(",") if f.strip()] if args.facets else []
    for name in facet_names:
        if name not in FACETS:
            raise SearchlibError(f"no facet {name!r}; facets are: {', '.join(FACETS)}")
    index = _open(args, build_default=True)
    results = index.search(
        args.query,
        limit=args.limit,
        match=match,
        year=args.year,
        journal=args.journal,
        sort={"newest": "-date", "oldest": "date"}.get(args.sort, args.sort),
        feedback=args.feedback,
    )
    fmt = "jsonl" if args.json else args.format
    if fmt != "table":
        writers = {"jsonl": lambda: results.to_jsonl(highlights=True), "ris": results.to_ris,
                   "bibtex": results.to_bibtex, "csv": results.to_csv}  # fmt: skip
        _write(writers[fmt](), None, fmt)
        # Records go to standard output untouched; the rest goes to standard error.
        if results.suggestion:
            print(f"Did you mean: {results.suggestion}", file=sys.stderr)
        for name in facet_names:
            counts = results.facets(name)
            print(f"{name}: " + ("; ".join(f"{k} ({v})" for k, v in counts.items()) or "-"), file=sys.stderr)
        return 0
    _print_hits(results)
    if results.suggestion:
        print(f"Did you mean: {results.suggestion}")
    for name in facet_names:
        counts = results.facets(name)
        print(f"{name}: " + ("; ".join(f"{k} ({v})" for k, v in counts.items()) or "-"))
    return 0


def _print_hits(results: Results) -> None:
    print(results.table(width=_width()))
    for hit in results:
        # Section matches under the paper's own labels ("Patients and methods"), else the abstract's snippet.
        sections = hit.matched_sections()
        for section, snippet in sections:
            print(f"{hit.rank:>3}  {section.label or section.category}: {snippet}")
        if not sections and "abstract" in hit.highlights:
            print(f"{hit.rank:>3}  abstract: {hit.highlights['abstract']}")


def _year_range(text: str) -> tuple[int | None, int | None]:
    m = re.fullmatch(r"\s*(\d{4})?\s*(-)?\s*(\d{4})?\s*", text)
    if not m or not (m.group(1) or m.group(3)) or (m.group(3) and not m.group(2)):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year or range (2024, 2020-2024, 2020-, -2024)")
    start = int(m.group(1)) if m.group(1) else None
    end = int(m.group(3)) if m.group(3) else (start if not m.group(2) else None)
    return start, end


def _cmd_similar(args: argparse.Namespace) -> int:
    results = _open(args).similar(args.doi, limit=args.limit)
    if args.json:
        for hit in results:
            sys.stdout.write(orjson.dumps(hit.to_dict(highlights=False)).decode() + "\n")
        return 0
    _print_hits(results)
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    print(_open(args).explain(args.query, args.doi, match="any" if args.any else "all"))
    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    index = _open(args)
    deleted = index.delete(args.dois)
    print(f"deleted {deleted} of {len(args.dois)} paper(s); {len(index)} papers in {index.path}")
    return 0


def _cmd_optimize(args: argparse.Namespace) -> int:
    index = _open(args)
    index.optimize()
    print(f"optimized {index.path}: {len(index)} papers in one segment")
    return 0


_EXTENSIONS = {".ris": "ris", ".bib": "bibtex", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}


def _cmd_export(args: argparse.Namespace) -> int:
    fmt = args.format or (_EXTENSIONS.get(Path(args.output).suffix.lower()) if args.output else None) or "jsonl"
    index = _open(args)
    _write(export_records(index, fmt), args.output, fmt)
    if args.output:
        print(f"wrote {len(index)} papers to {args.output} ({fmt})", file=sys.stderr)
    return 0


def _write(text: str, output: str | None, fmt: str) -> None:
    """Text to a file or standard output; CSV starts with a byte-order mark so spreadsheets read it as UTF-8."""
    if fmt == "csv":
        text = "\ufeff" + text
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise SearchlibError(f"cannot write {output}: {exc.strerror or exc}") from None


def _cmd_show(args: argparse.Namespace) -> int:
    index = _open(args)
    record = index.get(args.doi)
    if record is None:
        raise SearchlibError(f"no paper with DOI or id {args.doi!r} in {index.path}")
    if args.json:
        sys.stdout.write(orjson.dumps(dict(record.raw)).decode() + "\n")
        return 0
    print(record.title)
    print(", ".join(record.authors) or "(no authors)")
    where = ", ".join(str(x) for x in (record.journal, record.year, record.volume, record.pages) if x)
    print(where)
    print(f"doi: {record.doi or '-'}" + (f"   pdf: {record.pdf_url}" if record.pdf_url else ""))
    for s in record.sections:
        print()
        print(f"{s.label}: {s.text}" if s.label else s.text)
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    stats = _open(args).stats()
    if args.json:
        sys.stdout.write(orjson.dumps(stats).decode() + "\n")
        return 0
    for key, value in stats.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        print(f"{key.replace('_', ' ')}: {value}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .search.evaluation import DEFAULT_METRICS, evaluate

    index = _open(args)
    metrics = args.metric or DEFAULT_METRICS
    report = evaluate(
        index,
        args.queries,
        args.qrels,
        metrics,
        match="all" if args.all else "any",
        plain=not args.all,
        feedback=args.feedback,
    )
    if args.json:
        sys.stdout.write(orjson.dumps(report.to_dict()).decode() + "\n")
        return 0
    print(report.table())
    return 0


def _width() -> int:
    try:
        return max(60, min(140, os.get_terminal_size().columns))
    except OSError:
        return 100


if __name__ == "__main__":
    sys.exit(main())
