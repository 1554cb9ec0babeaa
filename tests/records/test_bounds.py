"""Loading stays bounded: a line longer than any record, a gzip file that unpacks to far more than an export
does, a record with more authors than any paper: each a LoadError naming the file (and the line), refused before
more than the bound is read into memory."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from searchlib import LoadError, Record, build_index, load_records
from searchlib.records.readers import _bounded
from searchlib.records.record import MAX_AUTHORS
from tests.engine.crashkit import HANG_GUARD

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize(
    "fmt, first, long_line",
    [
        ("jsonl", b'{"title": "A short record", "doi": "10.9/1"}\n', b'{"title": "%s"}\n'),
        ("ris", b"TY  - JOUR\nTI  - A short record\nER  - \n", b"TY  - JOUR\nTI  - %s\nER  - \n"),
        ("medline", b"PMID- 1\nTI  - A short record\n\n", b"PMID- 2\nTI  - %s\n"),
    ],
)
def test_a_line_longer_than_the_bound_is_refused_at_its_number(
    tmp_path, monkeypatch, fmt, first, long_line, gzipped
):
    monkeypatch.setattr(_bounded, "MAX_LINE_BYTES", 200)
    path = tmp_path / f"records.{fmt}{'.gz' if gzipped else ''}"

    def write(title: bytes) -> None:
        data = first + long_line % title
        path.write_bytes(gzip.compress(data) if gzipped else data)

    write(b"t" * 150)  # its line stays within the bound: read
    assert [r.title for r in load_records(path)] == ["A short record", "t" * 150]
    write(b"t" * 250)
    with pytest.raises(LoadError, match=r"line \d is longer than 0 MB; no record is that long") as info:
        load_records(path)
    assert info.value.path == str(path)
    assert info.value.line == first.count(b"\n") + 1 + (fmt != "jsonl")  # RIS and MEDLINE: after the tag line


def test_the_line_check_finds_the_first_long_line_in_a_large_file(monkeypatch):
    monkeypatch.setattr(_bounded, "MAX_LINE_BYTES", 100)
    lines = [b"x" * (n % 101) for n in range(5_000)]  # every length up to the bound
    _bounded.check_lines(b"\n".join(lines), "f")
    lines[3_210] = b"x" * 101
    with pytest.raises(LoadError) as info:
        _bounded.check_lines(b"\n".join(lines), "f")
    assert info.value.line == 3_211


def _gzip_of_one_long_line(path: Path, head: bytes, megabytes: int) -> None:
    """A gzip file of ``head`` and then ``megabytes`` MB of one line, about 1 kB per MB: gzip members, each of
    1 MB of one letter, one after the other (gzip reads them as one file)."""
    member = gzip.compress(b"x" * 2**20, compresslevel=9)
    with path.open("wb") as f:
        f.write(gzip.compress(head))
        for _ in range(megabytes):
            f.write(member)


CHILD = """
import resource, sys
import searchlib
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    searchlib.load_records(sys.argv[1])
except searchlib.LoadError as exc:
    print(exc)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
@pytest.mark.parametrize(
    "head, refusal, most",
    [
        # JSON Lines, read a line at a time: the second line is refused once 10 MB of it are read.
        (b'{"title": "ok", "doi": "10.9/1"}\n{"title": "', r":2: line 2 is longer than 10 MB", 60),
        # One JSON document, read whole: refused once it has unpacked to 100 times the file's size.
        (b'{"title": "', r": gzip file unpacks to more than \d+ MB, over 100 times its size", 250),
    ],
    ids=["lines", "document"],
)
def test_a_small_gzip_of_a_one_gigabyte_line_is_refused_in_bounded_memory(tmp_path, head, refusal, most):
    path = tmp_path / "bomb.jsonl.gz"
    _gzip_of_one_long_line(path, head, 1024)
    assert path.stat().st_size < 2**20 + 2**17
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env, timeout=HANG_GUARD
    )
    message, grown = run.stdout.splitlines()
    assert message.startswith(str(path)) and re.search(refusal, message), message
    assert int(grown) < most, f"loading took {grown} MB more memory, for a line of 1,024 MB"


def test_a_gzip_file_unpacking_past_its_bound_is_refused_and_one_within_it_read(tmp_path, monkeypatch):
    monkeypatch.setattr(_bounded, "MIN_UNPACKED", 2**20)  # a bound a small file reaches quickly
    record = orjson.dumps({"title": "The same record again"})
    path = tmp_path / "many.json.gz"
    path.write_bytes(gzip.compress(b"[" + b",".join([record] * 50_000) + b"]", compresslevel=9))
    assert path.stat().st_size * 100 < 2**20 < 50_000 * len(record)  # under 10 kB, unpacking to over 1 MB
    with pytest.raises(LoadError, match="unpack it with gunzip and load the unpacked file") as info:
        load_records(path, errors="skip")  # the file as a whole: not a malformed record to skip
    assert info.value.path == str(path) and info.value.line is None
    within = tmp_path / "within.json.gz"
    within.write_bytes(gzip.compress(b"[" + b",".join([record] * 20_000) + b"]", compresslevel=9))
    assert len(load_records(within)) == 20_000


def _authors(n: int) -> list[str]:
    return [f"Author{i} Person" for i in range(n)]


def test_a_record_with_more_authors_than_any_paper_is_refused(tmp_path):
    path = tmp_path / "records.jsonl"
    records = [
        {"title": "At the bound", "authors": _authors(MAX_AUTHORS)},
        {"title": "Past it", "authors": _authors(MAX_AUTHORS + 1)},
        {"title": "After it"},
    ]
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records))
    with pytest.raises(LoadError, match="the record has 10,001 authors; searchlib reads up to 10,000") as info:
        load_records(path)
    assert (info.value.path, info.value.line) == (str(path), 2)
    with pytest.warns(UserWarning, match="skipped 1 malformed record"):
        loaded = load_records(path, errors="skip")
    assert [r.title for r in loaded] == ["At the bound", "After it"] and len(loaded[0].authors) == MAX_AUTHORS


def test_the_author_bound_holds_in_every_format_and_for_records_given_directly(tmp_path):
    ris = tmp_path / "many.ris"
    ris.write_text(
        "TY  - JOUR\nTI  - Many\n" + "".join(f"AU  - {a}\n" for a in _authors(MAX_AUTHORS + 1)) + "ER  - \n"
    )
    with pytest.raises(LoadError, match=rf"^{ris}:1: the record has 10,001 authors"):
        load_records(ris)
    record = Record(id="x", doi=None, title="Given directly", authors=tuple(_authors(MAX_AUTHORS + 1)))
    with pytest.raises(LoadError, match="^record 2: the record has 10,001 authors"):
        build_index([{"title": "Fine"}, record])
    with pytest.warns(UserWarning, match="skipped 1 malformed record"):
        assert len(build_index([{"title": "Fine"}, record], errors="skip")) == 1
