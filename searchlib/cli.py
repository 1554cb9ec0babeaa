"""The ``searchlib`` command: a thin layer over the library, one subcommand per library call.

    searchlib index FILE... [--index DIR] [--overwrite] [--skip-errors] [--from FORMAT] [--wait SECONDS]
                    [--procs N] [--meaning]
    searchlib search QUERY... [--index DIR] [--limit N] [--any] [--plain] [--json]
                     [--format table|jsonl|ris|bibtex|csv]
                     [--year 2020-2024] [--journal NAME] [--type TYPE] [--language LANG]
                     [--sort relevance|date|-date|newest|oldest] [--facets year,journal,pt,language,...]
    searchlib export [--index DIR] [--format jsonl|ris|bibtex|csv] [-o FILE]
    searchlib similar DOI [--index DIR] [--limit N] [--json]
    searchlib explain QUERY... DOI [--index DIR] [--any] [--plain]
    searchlib show DOI [--index DIR] [--json]
    searchlib stats [--index DIR] [--json]
    searchlib delete DOI... [--index DIR]
    searchlib duplicates [FILE...] [--index DIR] [--from FORMAT] [--merge] [--json]
    searchlib optimize [--index DIR]
    searchlib evaluate --queries Q --qrels R [--index DIR] [--metric M]... [--all] [--json]
    searchlib trust PATH [--verify]

A query's words need no quotes: they are joined with spaces. Without ``--index`` the index is
``indexes/default`` under the current folder (or ``$SEARCHLIB_INDEX``); ``search`` builds it from the bundled
sample records the first time, and says so on standard error whenever it searches that sample. Every error is
one line on standard error, ``searchlib: error: ...``, and a non-zero exit (2 for a mistake in the command's
arguments, 1 for the rest).

An index folder opens only when this user's searchlib signed it (built it, or was told to trust it); ``trust``
checks a folder from elsewhere and signs it, ``trust --verify`` checks every byte of every file of a signed one.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal, NoReturn

import orjson

from ._engine.shards import holds_index, trust_index
from .errors import LoadError, SearchlibError
from .index import Index
from .indexes import build_index, open_index
from .progress import ProgressBar, counted
from .records.duplicates import find_duplicates
from .records.export import EXPORT_FORMATS, export_records, write_whole
from .records.readers import FORMATS, bundled_records_path, load_records, read_bytes, read_records, records_only
from .records.record import Record
from .results import Results, terminal_text
from .search import syntax
from .search.facets import FACETS, SORTS, facet_name

DEFAULT_INDEX = Path("indexes") / "default"
#: Fewer records than this index in a few seconds: no progress bar.
_PROGRESS_MIN_BYTES = 4_000_000  # about 2,000 records with abstracts


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warn
            return int(args.func(args) or 0)
    except SearchlibError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("searchlib: interrupted; the index is as it was at its last commit", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `searchlib search ... | head`
        return 0
    except OSError as exc:  # the disk, a folder's permissions: nothing searchlib can mend
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}")
    except Exception as exc:  # a bug: still one line, and what to do about it
        return _fail(f"unexpected {type(exc).__name__}: {exc}; this is a bug in searchlib, please report it")


def _warn(message: Warning | str, *args: object, **kwargs: object) -> None:
    """A warning as one line, without the source line Python shows under it."""
    print(f"searchlib: warning: {message}", file=sys.stderr)


def _fail(message: str) -> int:
    """Print an error as one line (a multi-line message keeps its first and last lines) and return 1."""
    lines = [line.strip() for line in message.splitlines() if line.strip()] or ["failed"]
    text = lines[0] if len(lines) == 1 else f"{lines[0]} {lines[-1]}"
    print(f"searchlib: error: {text}", file=sys.stderr)
    return 1


class _Parser(argparse.ArgumentParser):
    """argparse, with a mistake in the arguments reported as one line like every other error."""

    def error(self, message: str) -> NoReturn:
        if re.match(r"unrecognized arguments:.* -\w", message):  # "search cancer -breast": the shell split it
            message += "; to exclude a word, quote the whole query ('cancer -breast') or put -- before it"
        self.exit(2, f"searchlib: error: {message} (see '{self.prog} --help')\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return value


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    p = _Parser(prog="searchlib", description="Search scholarly paper records.")
    p.add_argument("--version", action="version", version=f"searchlib {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def with_index(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--index", metavar="DIR", help=f"index folder (default: {DEFAULT_INDEX})")
        return sp

    sp = with_index(sub.add_parser("index", help="index record files (insert or replace by DOI)"))
    sp.add_argument("files", nargs="+", metavar="FILE")
    sp.add_argument("--overwrite", action="store_true", help="replace the index instead of adding to it")
    sp.add_argument(
        "--skip-errors",
        action="store_true",
        help="skip files that cannot be read and malformed records, list them, and index the rest",
    )
    sp.add_argument("--from", dest="input_format", choices=FORMATS, help="the files' format (default: detected)")
    sp.add_argument("--wait", type=_seconds, default=5.0, metavar="SECONDS", help="wait for another writer")
    sp.add_argument(
        "--procs",
        type=_positive,
        metavar="N",
        help="processes for a new index, used past 2,000 records (default on Linux: the CPUs, at most 2)",
    )
    sp.add_argument("--meaning", action="store_true", help="also rank by meaning (a language model; see the docs)")
    sp.add_argument(
        "--shards",
        type=_positive,
        metavar="N",
        help="build a sharded index: N indexes in the folder, a process each, searched as one",
    )
    sp.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: on a terminal, for files of a few MB or more)",
    )
    sp.add_argument(
        "--batch-size",
        type=_positive,
        metavar="N",
        help="when adding to an index, commit every N records, so an interrupted add keeps the batches done",
    )
    sp.set_defaults(func=_cmd_index)

    sp = with_index(sub.add_parser("search", help="search the index"))
    sp.add_argument("query", nargs="+", metavar="QUERY", help="the query; its words need no quotes")
    sp.add_argument("--limit", type=_positive, default=10, metavar="N", help="papers to show (default: 10)")
    sp.add_argument("--any", action="store_true", help="rank papers matching any word, not all of them")
    sp.add_argument("--plain", action="store_true", help="read the query as plain words, not query syntax")
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
        "--type", action="append", metavar="TYPE", help="only this publication type, as [pt] (repeatable)"
    )
    sp.add_argument("--language", action="append", metavar="LANG", help="only this language, as [la] (repeatable)")
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
    sp.add_argument("doi", help="the paper's DOI or id")
    sp.add_argument("--limit", type=_positive, default=10, metavar="N", help="papers to show (default: 10)")
    sp.add_argument("--json", action="store_true", help="one JSON object per hit, as search --json")
    sp.set_defaults(func=_cmd_similar)

    sp = with_index(sub.add_parser("explain", help="how a paper's score for a query arose"))
    sp.add_argument("query", nargs="+", metavar="QUERY", help="the query; its words need no quotes")
    sp.add_argument("doi", help="the paper's DOI or id")
    sp.add_argument("--any", action="store_true", help="as search --any --no-feedback: its scores are explained")
    sp.add_argument("--plain", action="store_true", help="as search --plain")
    sp.set_defaults(func=_cmd_explain)

    sp = with_index(sub.add_parser("delete", help="remove papers by DOI or id"))
    sp.add_argument("dois", nargs="+", metavar="DOI")
    sp.set_defaults(func=_cmd_delete)

    sp = with_index(sub.add_parser("duplicates", help="papers that are copies of one paper, and related papers"))
    sp.add_argument("files", nargs="*", metavar="FILE", help="look in these record files instead of the index")
    sp.add_argument("--from", dest="input_format", choices=FORMATS, help="the files' format (default: detected)")
    sp.add_argument("--merge", action="store_true", help="merge each group of copies into one paper in the index")
    sp.add_argument("--json", action="store_true", help="one JSON object per group and per related pair")
    sp.set_defaults(func=_cmd_duplicates)

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

    sp = sub.add_parser("trust", help="check an index folder from elsewhere and sign it, so that it opens")
    sp.add_argument("path", metavar="PATH", help="the index folder")
    sp.add_argument(
        "--verify", action="store_true", help="only check every file against its signature; sign nothing"
    )
    sp.set_defaults(func=_cmd_trust)
    return p


def _index_path(args: argparse.Namespace) -> Path:
    return Path(args.index or os.environ.get("SEARCHLIB_INDEX") or DEFAULT_INDEX)


def _default_in_use(args: argparse.Namespace) -> bool:
    """Whether the command works on the default index: neither ``--index`` nor ``$SEARCHLIB_INDEX`` given."""
    return args.index is None and not os.environ.get("SEARCHLIB_INDEX")


def _open(args: argparse.Namespace, searching: bool = False) -> Index:
    """The index to read. A search on the default index builds it from the bundled sample the first time, and
    says whenever it searches that sample, so that no one takes its ten papers for their own."""
    path = _index_path(args)
    if not (searching and _default_in_use(args)):
        if not path.exists():
            raise SearchlibError(f"no index at {path}; make one with `searchlib index FILE... --index {path}`")
        return open_index(path)
    if not path.exists():
        print(f"searchlib: no index at {path}; building it from the bundled sample records", file=sys.stderr)
        index = build_index(bundled_records_path(), path)
    else:
        index = open_index(path)
    if _holds_only_the_sample(index):
        print(
            f"searchlib: searching the {len(index)} bundled sample records; "
            "use --index DIR or SEARCHLIB_INDEX for your own",
            file=sys.stderr,
        )
    return index


def _holds_only_the_sample(index: Index) -> bool:
    sample = {item.id for item in read_records(bundled_records_path()) if isinstance(item, Record)}
    return len(index) == len(sample) and all(paper in index for paper in sample)


def _cmd_index(args: argparse.Namespace) -> int:
    path = _index_path(args)
    report = _IndexReport(args.skip_errors)
    files = [Path(name) for name in args.files if report.readable(Path(name))]

    def records() -> Iterator[Record]:
        """The files' records as they are read, so memory does not grow with the files."""
        for file in files:
            yield from report.records_of(file, args.input_format)
        if not report.indexed:  # raised here, inside the build, so that no empty index is written
            raise SearchlibError("no records to index: every file or record was skipped (listed above)")

    # A bar with rate and ETA for builds long enough to wait for (on a terminal, or when asked for).
    size = sum(file.stat().st_size for file in files)
    show = args.progress if args.progress is not None else size >= _PROGRESS_MIN_BYTES and sys.stderr.isatty()
    progress = ProgressBar() if show else None
    overwrite = args.overwrite
    exists = holds_index(path)
    if exists and not overwrite and _default_in_use(args) and _holds_only_the_sample(open_index(path)):
        print(f"searchlib: replacing the bundled sample records at {path} with these", file=sys.stderr)
        overwrite = True
    try:
        if overwrite or not exists:
            kwargs = {"procs": args.procs, "shards": args.shards, "meaning": args.meaning}
            index = build_index(records(), path, overwrite=overwrite, progress=progress, **kwargs)
            verb = "built"
        else:
            index = open_index(path)
            index.add(records(), timeout=args.wait, progress=progress, batch_size=args.batch_size)
            verb = "updated"
    finally:
        report.list_skipped()
    summary = f"{verb} {path}: {counted(report.indexed, 'record')} indexed from {counted(report.files, 'file')}"
    skipped = [counted(len(items), what) for items, what in report.skipped() if items]
    if skipped:
        summary += f" ({' and '.join(skipped)} skipped)"
    added = f" ({index.report.summary()})" if index.report is not None else ""
    print(f"{summary}; {counted(len(index), 'paper')} in the index{added}")
    return 0


class _IndexReport:
    """What ``searchlib index`` read: records indexed, and (with ``--skip-errors``) files and records skipped."""

    def __init__(self, skip_errors: bool) -> None:
        self.skip_errors = skip_errors
        self.indexed = 0
        self.files = 0  # files read to the end
        self.skipped_files: list[str] = []
        self.malformed: list[LoadError] = []

    def readable(self, file: Path) -> bool:
        """Whether ``file`` opens; checked for every file before any is indexed, so a missing one stops
        ``searchlib index`` before it writes anything."""
        try:
            read_bytes(file, 1)
        except LoadError as exc:
            self._skip_file(exc)
            return False
        return True

    def records_of(self, file: Path, fmt: str | None) -> Iterator[Record]:
        found = 0
        before = len(self.malformed)
        try:
            for record in records_only(read_records(file, fmt), self.malformed if self.skip_errors else None):
                found += 1
                self.indexed += 1
                yield record
        except LoadError as exc:  # without --skip-errors, a malformed record; with it, the file as a whole
            self._skip_file(exc)  # (damaged, or in no format searchlib reads)
            return
        if found or len(self.malformed) > before:
            self.files += 1
            return
        how = f" as {fmt}; check its format, or leave out --from to have it told from the content" if fmt else ""
        self._skip_file(SearchlibError(f"no records found in {file}{how or '; check that it holds records'}"))

    def _skip_file(self, exc: SearchlibError) -> None:
        if not self.skip_errors:
            raise exc
        self.skipped_files.append(str(exc))

    def skipped(self) -> list[tuple[list, str]]:
        return [(self.skipped_files, "file"), (self.malformed, "malformed record")]

    def list_skipped(self) -> None:
        """On standard error: each file and record skipped, under a count."""
        for items, what in self.skipped():
            if items:
                print(f"skipped {counted(len(items), what)}:", file=sys.stderr)
                for item in items:
                    print(f"  {item}", file=sys.stderr)


def _cmd_search(args: argparse.Namespace) -> int:
    match: Literal["all", "any"] = "any" if args.any else "all"
    query = " ".join(args.query)
    syntax.parse(query, match=match, plain=args.plain)  # a bad query fails before any index is built
    facet_names = [f.strip() for f in args.facets.split(",") if f.strip()] if args.facets else []
    for name in facet_names:
        facet_name(name)  # an unknown facet fails before any index is opened
    index = _open(args, searching=True)
    results = index.search(
        query,
        limit=args.limit,
        match=match,
        plain=args.plain,
        year=args.year,
        journal=args.journal,
        sort={"newest": "-date", "oldest": "date"}.get(args.sort, args.sort),
        feedback=args.feedback,
        publication_type=args.type,
        language=args.language,
    )
    for message in results.warnings:  # "'or' was searched as a word": on standard error, whatever the format
        _warn(message)
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
            print(terminal_text(f"{hit.rank:>3}  {section.label or section.category}: {snippet}"))
        if not sections and "abstract" in hit.highlights:
            print(terminal_text(f"{hit.rank:>3}  abstract: {hit.highlights['abstract']}"))


def _year_range(text: str) -> tuple[int | None, int | None]:
    m = re.fullmatch(r"\s*(\d{4})?\s*(-)?\s*(\d{4})?\s*", text)
    if not m or not (m.group(1) or m.group(3)) or (m.group(3) and not m.group(2)):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year or range (2024, 2020-2024, 2020-, -2024)")
    start = int(m.group(1)) if m.group(1) else None
    end = int(m.group(3)) if m.group(3) else (start if not m.group(2) else None)
    if start is not None and end is not None and start > end:
        raise argparse.ArgumentTypeError(f"{text!r} ends before it starts; give the earlier year first")
    return start, end


def _cmd_similar(args: argparse.Namespace) -> int:
    results = _open(args, searching=True).similar(args.doi, limit=args.limit)
    if args.json:  # the same keys as search --json
        sys.stdout.write(results.to_jsonl(highlights=True))
        return 0
    _print_hits(results)
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    index = _open(args, searching=True)
    print(index.explain(" ".join(args.query), args.doi, match="any" if args.any else "all", plain=args.plain))
    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    index = _open(args)
    deleted = index.delete(args.dois)
    print(
        f"deleted {deleted} of {counted(len(args.dois), 'paper')}; {counted(len(index), 'paper')} in {index.path}"
    )
    return 0


def _cmd_duplicates(args: argparse.Namespace) -> int:
    if args.files and args.merge:
        raise SearchlibError("--merge merges papers of an index: index the files first, then run it without FILE")
    index = None if args.files else _open(args)
    records = [r for name in args.files for r in load_records(name, args.input_format)]
    found = find_duplicates(records) if index is None else index.duplicates()
    if args.json:
        sys.stdout.write("".join(orjson.dumps(item).decode() + "\n" for item in found.to_dicts()))
    else:
        print(found.table())
    if index is not None and args.merge and found:
        for group in found:
            index.merge(group, timeout=5.0)
        print(
            f"merged {counted(len(found), 'group')}; {counted(len(index), 'paper')} in {index.path}",
            file=sys.stderr,
        )
    return 0


def _cmd_optimize(args: argparse.Namespace) -> int:
    index = _open(args)
    index.optimize()
    print(f"optimized {index.path}: {counted(len(index), 'paper')} in one segment")
    return 0


_EXTENSIONS = {".ris": "ris", ".bib": "bibtex", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}


def _cmd_export(args: argparse.Namespace) -> int:
    fmt = args.format or (_EXTENSIONS.get(Path(args.output).suffix.lower()) if args.output else None) or "jsonl"
    index = _open(args)
    _write(export_records(index, fmt), args.output, fmt)
    if args.output:
        print(f"wrote {counted(len(index), 'paper')} to {args.output} ({fmt})", file=sys.stderr)
    return 0


def _write(text: str, output: str | None, fmt: str) -> None:
    """Text to a file or standard output; CSV starts with a byte-order mark so spreadsheets read it as UTF-8."""
    if fmt == "csv":
        text = "\ufeff" + text
    if output is None:
        sys.stdout.write(text)
        return
    try:
        write_whole(Path(output), text)
    except OSError as exc:
        raise SearchlibError(f"cannot write {output}: {exc.strerror or exc}") from None


def _cmd_show(args: argparse.Namespace) -> int:
    index = _open(args)
    record = index.get(args.doi)
    if record is None:
        raise SearchlibError(f"no paper with DOI or id {args.doi!r} in {index.path}")
    if args.json:
        sys.stdout.write(orjson.dumps(record.to_dict()).decode() + "\n")
        return 0
    where = ", ".join(str(x) for x in (record.journal, record.year, record.volume, record.pages) if x)
    ids = [("doi", record.doi or "-"), ("pmid", record.pmid), ("pmcid", record.pmcid), ("pdf", record.pdf_url)]
    lines = [record.title, ", ".join(record.authors) or "(no authors)", where]
    lines.append("   ".join(f"{name}: {value}" for name, value in ids if value))
    lines += ["merged from: " + "; ".join(o.where() for o in record.sources)] if len(record.sources) > 1 else []
    lines += [line for s in record.sections for line in ("", f"{s.label}: {s.text}" if s.label else s.text)]
    print(terminal_text("\n".join(lines)))
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


def _cmd_trust(args: argparse.Namespace) -> int:
    print(trust_index(Path(args.path), verify=args.verify))
    return 0


def _width() -> int:
    try:
        return max(60, min(140, os.get_terminal_size().columns))
    except OSError:
        return 100


if __name__ == "__main__":
    sys.exit(main())
