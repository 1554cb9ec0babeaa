"""open_index refuses folders that are not what searchlib writes, before Whoosh unpickles anything from them."""

from __future__ import annotations

import os
import pickle
import shutil

import orjson
import pytest

import searchlib
from searchlib import SearchlibError, open_index
from searchlib._engine.storage import MANIFEST, read_manifest

PWNED = "pwned.txt"


class Payload:
    """Unpickling this runs a command: what a crafted index would hold."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


@pytest.fixture
def index_path(tmp_path, seed_path):
    path = tmp_path / "ix"
    searchlib.build_index(seed_path, path).close()
    return path


def toc_of(path):
    return max(path.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.split("_")[-1]))


def forge(path, toc_bytes: bytes) -> None:
    """Replace the newest TOC and record its checksum in the manifest, as an attacker would."""
    import hashlib

    toc = toc_of(path)
    toc.write_bytes(toc_bytes)
    manifest = read_manifest(path)
    manifest["toc_sha256"] = hashlib.sha256(toc_bytes).hexdigest()
    (path / MANIFEST).write_bytes(orjson.dumps(manifest))


def test_a_searchlib_index_opens_and_records_its_toc(index_path):
    manifest = read_manifest(index_path)
    assert manifest["format"] == "searchlib-index" and manifest["generation"] == int(toc_of(index_path).stem[6:])
    assert len(manifest["toc_sha256"]) == 64 and "pending" not in manifest
    assert len(open_index(index_path)) == 10


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: (p / MANIFEST).unlink(), "no valid searchlib.json; found: MAIN_"),
        (lambda p: (p / MANIFEST).write_text("[1, 2]"), "not a searchlib index"),
        (lambda p: (p / MANIFEST).write_text('{"format": "searchlib-index", "version": 99}'), "newer searchlib"),
        (lambda p: (p / "evil.py").write_text("print()"), "holds 'evil.py', which searchlib does not write"),
        (lambda p: (p / "sub").mkdir(), "holds 'sub'"),
        (lambda p: (p / "_MAIN_1.toc.link").symlink_to("/etc/passwd"), "holds a link"),
        (lambda p: [f.unlink() for f in p.glob("*.toc")], "no index files"),
    ],
)
def test_folders_that_are_not_what_searchlib_writes(index_path, setup, message):
    setup(index_path)
    with pytest.raises(SearchlibError, match=message):
        open_index(index_path)


def test_a_toc_from_another_index_is_refused(index_path, tmp_path):
    other = tmp_path / "other"
    searchlib.build_index(searchlib.load_records(searchlib.bundled_records_path())[:3], other).close()
    shutil.copy(toc_of(other), toc_of(index_path))
    with pytest.raises(SearchlibError, match="is not the one its searchlib.json records"):
        open_index(index_path)
    newer = index_path / f"_MAIN_{int(toc_of(index_path).stem[6:]) + 1}.toc"  # a newer generation slipped in
    shutil.copy(toc_of(other), newer)
    with pytest.raises(SearchlibError, match="not the one"):
        open_index(index_path)


def test_a_crafted_toc_never_runs_its_pickle(index_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    toc = toc_of(index_path).read_bytes()
    schema = pickle.loads(_schema_bytes(toc))  # a real schema, so only the payload differs
    schema.payload = Payload(str(tmp_path / PWNED))
    forged = _with_schema(toc, pickle.dumps(schema, 2))
    forge(index_path, forged)
    with pytest.raises(SearchlibError, match=r"its schema names posix\.system"):
        open_index(index_path)
    assert not (tmp_path / PWNED).exists()


def test_a_crafted_segment_list_or_garbage_toc_is_refused(index_path, tmp_path):
    toc = toc_of(index_path).read_bytes()
    head = toc[: len(toc) - len(_segments_bytes(toc))]
    forge(index_path, head + pickle.dumps([Payload(str(tmp_path / PWNED))]))
    with pytest.raises(SearchlibError, match="segment list names posix.system"):
        open_index(index_path)
    forge(index_path, b"\x00garbage" * 10)
    with pytest.raises(SearchlibError, match="not a Whoosh 2.7 TOC"):
        open_index(index_path)
    assert not (tmp_path / PWNED).exists()


def test_an_index_written_before_toc_checksums_still_opens(index_path):
    manifest = read_manifest(index_path)
    for key in ("generation", "toc_sha256"):
        del manifest[key]
    (index_path / MANIFEST).write_bytes(orjson.dumps(manifest))
    index = open_index(index_path)
    assert index.add(searchlib.load_records(searchlib.bundled_records_path())[:1]) == 1
    assert "toc_sha256" in read_manifest(index_path)  # recorded from the next commit on


# -- TOC surgery: header, schema pickle, generation, pickled segment list -----------------------------------------


def _split(toc: bytes) -> tuple[int, int, int]:
    from io import BytesIO

    from whoosh.filedb.structfile import StructFile

    stream = StructFile(BytesIO(toc))
    for _ in range(3):
        stream.read_varint()
    stream.read_int(), stream.read_int()
    for _ in range(3):
        stream.read_varint()
    start = stream.tell()
    schema = stream.read_string()
    end = stream.tell()
    return start, end, len(schema)


def _schema_bytes(toc: bytes) -> bytes:
    start, end, size = _split(toc)
    return toc[end - size : end]


def _segments_bytes(toc: bytes) -> bytes:
    _, end, _ = _split(toc)
    return toc[end + 8 :]


def _with_schema(toc: bytes, schema: bytes) -> bytes:
    from io import BytesIO

    from whoosh.filedb.structfile import StructFile

    start, end, _ = _split(toc)
    buf = BytesIO()
    StructFile(buf).write_string(schema)
    return toc[:start] + buf.getvalue() + toc[end:]
