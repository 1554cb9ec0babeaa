"""Opening or searching an index folder never runs code from it.

Each attack below is a folder an attacker could hand over (or change in place): the command its pickle would run
creates a marker file, which must never appear, whatever a user then does with the folder (open it, search,
get a paper, list them, ask for stats, run ``searchlib stats`` in a folder holding it as ``indexes/default``,
trust it); and a ``SearchlibError`` must say what is wrong.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import stat
import struct
from io import BytesIO
from pathlib import Path

import orjson
import pytest
from whoosh import fields
from whoosh.codec import whoosh3
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.writing import SegmentWriter

import searchlib
from searchlib import SearchlibError, UntrustedIndexError, open_index
from searchlib._engine import signing
from searchlib._engine.schema import make_schema, to_document
from searchlib._engine.storage import MANIFEST, SafeFileStorage, read_manifest, update_manifest
from searchlib._engine.unpickling import RefusedPickle, loads_data, loads_structure
from searchlib.cli import main
from searchlib.records.readers.seed import record_from_dict

HYBRID = "10.1136/bmjqs-2024-017268"


class Payload:
    """Unpickling this runs a command: what a crafted index would hold."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def index_path(tmp_path, seed_path):
    path = tmp_path / "ix"
    searchlib.build_index(seed_path, path).close()
    return path


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "pwned"


@pytest.fixture
def other_user(tmp_path, monkeypatch):
    """Switch to another user's key (a key file of its own)."""

    def switch():
        monkeypatch.setenv("SEARCHLIB_KEY_FILE", str(tmp_path / "other-user" / "key"))

    return switch


def toc_of(path: Path) -> Path:
    return max(path.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.split("_")[-1]))


def forge(path: Path, toc_bytes: bytes) -> None:
    """Replace the newest TOC, and its size and sha256 in the manifest, as an attacker would: he cannot sign."""
    toc = toc_of(path)
    toc.write_bytes(toc_bytes)
    manifest = read_manifest(path)
    manifest["files"][toc.name] = {"size": len(toc_bytes), "sha256": hashlib.sha256(toc_bytes).hexdigest()}
    (path / MANIFEST).write_bytes(orjson.dumps(manifest))


def sign_as_is(path: Path) -> None:
    """Sign the folder's newest generation with this user's key without any check: as if the signature had been
    got round, so that what stands behind it, the restricted unpicklers, is what is tested."""
    toc = toc_of(path)
    names = [p.name for p in path.iterdir() if p.name.startswith("MAIN_") and p.name != "MAIN_WRITELOCK"]
    files = signing.files_record(path, [*names, toc.name], {})
    record = signing.sign({"generation": int(toc.stem.split("_")[-1]), "files": files})
    update_manifest(path, **record, pending=None)


def use(path: Path, tmp_path: Path, monkeypatch, capsys) -> list[str]:
    """Use the index at ``path`` every way a user would; the messages of the errors met, the CLI's last."""
    errors = []
    try:
        index = open_index(path)
        for step in (
            lambda: [hit.record for hit in index.search("interviews")],
            lambda: [hit.record for hit in index.search("zebras trial", match="any")],
            lambda: index.get(HYBRID),
            lambda: list(index),
            index.stats,
        ):
            try:
                step()
            except SearchlibError as exc:
                errors.append(str(exc))
    except SearchlibError as exc:
        errors.append(str(exc))
    folder = tmp_path / f"cli-{len(list(tmp_path.glob('cli-*')))}"
    shutil.copytree(path, folder / "indexes" / "default")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("SEARCHLIB_INDEX", raising=False)
    capsys.readouterr()
    code = main(["stats"])
    err = capsys.readouterr().err
    if code:
        assert err.startswith("searchlib: error: ") and len(err.strip().splitlines()) == 1, err
        errors.append(err)
    return errors


# -- signing ------------------------------------------------------------------------------------------------------


def test_each_commit_signs_the_files_of_its_generation(index_path):
    manifest = read_manifest(index_path)
    toc = toc_of(index_path)
    assert manifest["generation"] == int(toc.stem.split("_")[-1]) and "pending" not in manifest
    on_disk = {p.name for p in index_path.iterdir() if p.name.startswith(("MAIN_", "_MAIN_"))} - {"MAIN_WRITELOCK"}
    assert set(manifest["files"]) == on_disk
    for name, signed in manifest["files"].items():
        data = (index_path / name).read_bytes()
        assert signed == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert list(manifest["signatures"]) == [signing.key_id(signing.user_key())]
    index = open_index(index_path, verify=True)
    assert len(index) == 10
    index.add([{"title": "Zebras in care", "doi": "10.1/zebra"}])
    after = read_manifest(index_path)
    assert after["generation"] == manifest["generation"] + 1 and toc_of(index_path).name in after["files"]
    kept = set(manifest["files"]) & set(after["files"])  # a segment a commit kept keeps its hash, unread
    assert all(after["files"][name] == manifest["files"][name] for name in kept)
    assert open_index(index_path, verify=True).get("10.1/zebra").title == "Zebras in care"


def test_the_key_is_made_on_first_use_for_this_user_alone(tmp_path, monkeypatch, seed_records):
    key = tmp_path / "config" / "searchlib" / "key"
    monkeypatch.setenv("SEARCHLIB_KEY_FILE", str(key))
    searchlib.build_index(seed_records[:2], tmp_path / "ix").close()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key.read_text())) == 32
    assert len(open_index(tmp_path / "ix")) == 2  # the same key, read back
    monkeypatch.delenv("SEARCHLIB_KEY_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert signing.key_path() == tmp_path / "xdg" / "searchlib" / "key"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert signing.key_path() == tmp_path / "home" / ".config" / "searchlib" / "key"
    monkeypatch.setenv("SEARCHLIB_KEY_FILE", str(tmp_path / "bad"))
    (tmp_path / "bad").write_text("not a key")
    with pytest.raises(SearchlibError, match="is not a searchlib signing key"):
        open_index(tmp_path / "ix")


def test_a_folder_from_another_user_opens_once_trusted(index_path, other_user):
    other_user()
    with pytest.raises(UntrustedIndexError, match="another user's key") as caught:
        open_index(index_path)
    message = str(caught.value)
    assert f"searchlib trust {index_path}" in message and "trust=True" in message and "rebuild" in message
    assert len(open_index(index_path, trust=True)) == 10
    assert len(open_index(index_path)) == 10  # trusted for good
    assert len(read_manifest(index_path)["signatures"]) == 2  # the builder's signature still holds too


def test_searchlib_trust_makes_a_folder_from_elsewhere_openable(index_path, other_user, capsys):
    other_user()
    assert main(["stats", "--index", str(index_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("searchlib: error: ") and "not an index you trust" in err and "searchlib trust" in err
    assert main(["trust", "--verify", str(index_path)]) == 1  # checking signs nothing
    capsys.readouterr()
    assert main(["trust", str(index_path)]) == 0
    assert "trusted" in capsys.readouterr().out
    assert main(["trust", "--verify", str(index_path)]) == 0
    assert main(["stats", "--index", str(index_path)]) == 0


def test_a_folder_one_may_not_write_cannot_be_trusted(index_path, other_user, monkeypatch, capsys):
    import errno

    from searchlib._engine.storage import WriteLock

    def refused(self, blocking=False):
        raise PermissionError(errno.EACCES, "Permission denied", str(self.path))

    other_user()
    monkeypatch.setattr(WriteLock, "acquire", refused)
    with pytest.raises(searchlib.StorageError, match="permission denied"):
        open_index(index_path, trust=True)
    assert main(["trust", str(index_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("searchlib: error: permission denied") and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "change, at_open, verified",
    [
        (lambda p: _segment(p).write_bytes(_segment(p).read_bytes() + b"\0"), "its size", "its size"),
        (lambda p: _flip_a_byte(_segment(p)), None, "its content"),
        (
            lambda p: _edit_manifest(
                p, lambda m: m["signatures"].update(dict.fromkeys(m["signatures"], "0" * 64))
            ),
            "changed after it was signed",
            None,
        ),
        (lambda p: _edit_manifest(p, lambda m: m.pop("signatures")), "it is not signed", None),
        (lambda p: shutil.copy(toc_of(p), p / "_MAIN_99.toc"), "no signed generation for _MAIN_99.toc", None),
        (lambda p: _segment(p).unlink(), "missing", None),
    ],
)
def test_a_changed_folder_is_refused(index_path, change, at_open, verified, capsys):
    change(index_path)
    if at_open:
        with pytest.raises(UntrustedIndexError, match=at_open):
            open_index(index_path)
    else:  # opening checks sizes; every byte is checked on request
        assert len(open_index(index_path)) == 10
        with pytest.raises(UntrustedIndexError, match=verified):
            open_index(index_path, verify=True)
        assert main(["trust", "--verify", str(index_path)]) == 1
        assert verified in capsys.readouterr().err


def _segment(path: Path) -> Path:
    return next(path.glob("MAIN_*.seg"))


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _edit_manifest(path: Path, edit) -> None:
    manifest = read_manifest(path)
    edit(manifest)
    (path / MANIFEST).write_bytes(orjson.dumps(manifest))


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: (p / MANIFEST).unlink(), "no valid searchlib.json; found: MAIN_"),
        (lambda p: (p / MANIFEST).write_text("[1, 2]"), "not a searchlib index"),
        (lambda p: _edit_manifest(p, lambda m: m.update(version=99)), "newer searchlib"),
        (lambda p: _edit_manifest(p, lambda m: m.update(version=4)), "older searchlib.*rebuild"),
        (lambda p: (p / "evil.py").write_text("print()"), "holds 'evil.py', which searchlib does not write"),
        (lambda p: (p / "sub").mkdir(), "holds 'sub'"),
        (lambda p: (p / "_MAIN_1.toc.link").symlink_to("/etc/passwd"), "holds a link"),
        (lambda p: [f.unlink() for f in p.glob("*.toc")], "no index files|no signed generation"),
    ],
)
def test_folders_that_are_not_what_searchlib_writes(index_path, setup, message):
    setup(index_path)
    with pytest.raises(SearchlibError, match=message):
        open_index(index_path)
    with pytest.raises(SearchlibError, match=message):
        open_index(index_path, trust=True)


# -- crafted tables of contents -----------------------------------------------------------------------------------


def _schema_with_payload(toc: bytes, marker: Path) -> bytes:
    schema = pickle.loads(_schema_pickle(toc))  # the real schema, so only the payload differs
    schema.payload = Payload(marker)
    return pickle.dumps(schema, 2)


def _dotted_name(toc: bytes, marker: Path) -> bytes:
    """Protocol 4 names ``searchlib.analysis.stemtable`` and, within it, ``os.system``, then calls it."""
    return (
        b"\x80\x04"
        + _short("searchlib.analysis.stemtable")
        + _short("os.system")
        + b"\x93"  # STACK_GLOBAL
        + _short(f"touch {marker}")
        + b"\x85R."  # TUPLE1, REDUCE, STOP
    )


def _callable_in_analysis(toc: bytes, marker: Path) -> bytes:
    """A class of searchlib.analysis whose instances call what they name: ``OnFirstUse("os", "system")(...)``."""
    return (
        b"\x80\x02csearchlib.analysis.stemtable\nOnFirstUse\n"
        + _short("os")
        + _short("system")
        + b"\x86R"  # TUPLE2, REDUCE: the instance
        + _short(f"touch {marker}")
        + b"\x85R."  # TUPLE1, REDUCE: called
    )


def _short(text: str) -> bytes:
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data  # SHORT_BINUNICODE


def _segments_outside(path: Path, toc: bytes, marker: Path) -> bytes:
    """The segment list names a segment whose file is outside the folder: a compound file whose directory is a
    pickle that runs the command."""
    segments = pickle.loads(toc[_layout(toc)[2] :])
    segments[0].indexname = "../outside"
    directory = pickle.dumps(Payload(marker), 2)
    outside = path.parent / f"outside_{segments[0].segid}.seg"
    outside.write_bytes(struct.pack("!qi", 12, len(directory)) + directory)
    return _with_segments(toc, pickle.dumps(segments))


def _layout(toc: bytes) -> tuple[int, int, int]:
    """Where a TOC's schema (a string: length, pickle) starts and ends, and where its segment list starts."""
    stream = StructFile(BytesIO(toc))
    for _ in range(3):
        stream.read_varint()
    stream.read_int(), stream.read_int()
    for _ in range(3):
        stream.read_varint()
    start = stream.tell()
    stream.read_string()
    end = stream.tell()
    stream.read_int(), stream.read_int()
    return start, end, stream.tell()


def _schema_pickle(toc: bytes) -> bytes:
    stream = StructFile(BytesIO(toc))
    stream.seek(_layout(toc)[0])
    return stream.read_string()


def _with_schema(toc: bytes, schema: bytes) -> bytes:
    start, end, _ = _layout(toc)
    buf = BytesIO()
    StructFile(buf).write_string(schema)
    return toc[:start] + buf.getvalue() + toc[end:]


def _with_segments(toc: bytes, segments: bytes) -> bytes:
    return toc[: _layout(toc)[2]] + segments


@pytest.mark.parametrize(
    "craft, names",
    [
        (lambda p, toc, m: _with_schema(toc, _schema_with_payload(toc, m)), "names posix.system"),
        (
            lambda p, toc, m: _with_schema(toc, _dotted_name(toc, m)),
            "names searchlib.analysis.stemtable.os.system",
        ),
        (lambda p, toc, m: _with_schema(toc, _callable_in_analysis(toc, m)), "stemtable.OnFirstUse"),
        (_segments_outside, "segment list holds something else"),
        (lambda p, toc, m: _with_segments(toc, pickle.dumps([Payload(m)])), "segment list names posix.system"),
        (lambda p, toc, m: b"\0garbage" * 10, "not a Whoosh 2.7 TOC"),
    ],
    ids=["reduce", "dotted-name", "callable-in-analysis", "segment-outside", "segment-list", "garbage"],
)
def test_a_crafted_toc_never_runs(index_path, tmp_path, marker, craft, names, monkeypatch, capsys):
    forge(index_path, craft(index_path, toc_of(index_path).read_bytes(), marker))
    errors = use(index_path, tmp_path, monkeypatch, capsys)
    assert errors and all("manifest was changed after it was signed" in e for e in errors)
    with pytest.raises(SearchlibError, match=names):  # trusting checks it with the restricted unpickler
        open_index(index_path, trust=True)
    assert main(["trust", str(index_path)]) == 1
    sign_as_is(index_path)  # even signed, it is read by the restricted unpickler alone
    errors = use(index_path, tmp_path, monkeypatch, capsys)
    assert errors and all(names.split()[-1] in e or "not a Whoosh" in e for e in errors), errors
    assert not marker.exists()


def test_a_toc_from_another_index_is_refused(index_path, tmp_path, seed_records):
    other = tmp_path / "other"
    searchlib.build_index(seed_records[:3], other).close()
    shutil.copy(toc_of(other), toc_of(index_path))
    with pytest.raises(UntrustedIndexError, match="is not the one signed"):
        open_index(index_path)


# -- crafted segments: stored fields, records, postings -----------------------------------------------------------


def _write_with_whoosh(path: Path, records, schema=None, **extra) -> None:
    """Add documents to the index with Whoosh's own writer, as another program could (its TOC then unsigned)."""
    ix = FileStorage(str(path)).open_index(schema=schema or make_schema())
    writer = SegmentWriter(ix)
    for record in records:
        writer.add_document(**{**to_document(record_from_dict(record)), **extra})
    writer.commit(merge=False)


ZEBRAS = [{"doi": f"10.1/zebra{n}", "title": "Zebras in primary care"} for n in range(3)]


def test_a_crafted_stored_field_is_never_read(index_path, tmp_path, marker, monkeypatch, capsys):
    schema = make_schema()
    schema.remove("doi")
    schema.add("doi", fields.ID(stored=True))  # Whoosh then pickles what _stored_doi holds into _stored
    _write_with_whoosh(index_path, ZEBRAS, schema, _stored_doi=Payload(marker))
    assert len(open_index(index_path, trust=True)) == 13
    use(index_path, tmp_path, monkeypatch, capsys)
    index = open_index(index_path)
    assert {hit.doi for hit in index.search("zebras")} == {r["doi"] for r in ZEBRAS}
    assert index.get("10.1/zebra1").title == "Zebras in primary care"
    index.add([{"title": "Quaggas", "doi": "10.1/quagga"}])
    index.optimize()  # a merge copies every paper's columns, never its stored fields
    assert len(index) == 14 and index.search("quaggas")[0].doi == "10.1/quagga"
    assert not marker.exists()


def test_a_crafted_record_is_an_error_not_code(index_path, tmp_path, marker, monkeypatch, capsys):
    _write_with_whoosh(index_path, ZEBRAS[:1], record=pickle.dumps(Payload(marker)))
    open_index(index_path, trust=True)
    hit = open_index(index_path).search("zebras")[0]
    assert hit.id == "10.1/zebra0"  # a hit names its paper without reading its record
    with pytest.raises(SearchlibError, match="stored record cannot be read"):
        _ = hit.record
    assert any("stored record cannot be read" in e for e in use(index_path, tmp_path, monkeypatch, capsys))
    assert not marker.exists()


def test_a_crafted_postings_block_never_runs(index_path, tmp_path, marker, monkeypatch, capsys):
    class Block:
        """A postings block (or block header, or inlined postings) that runs the command when read."""

        def __init__(self, data) -> None:
            self.data = data

        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    with monkeypatch.context() as patch:
        patch.setattr(whoosh3, "dumps", lambda data, protocol=2: pickle.dumps(Block(data), protocol))
        _write_with_whoosh(index_path, ZEBRAS)
    open_index(index_path, trust=True)
    errors = use(index_path, tmp_path, monkeypatch, capsys)
    assert errors and all("naming posix.system" in e for e in errors), errors
    with pytest.raises(UntrustedIndexError, match="naming posix.system"):
        open_index(index_path).search('"zebras in primary care"')
    assert not marker.exists()


# -- paths --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../x.seg", "MAIN_a/../../x.seg", "/etc/passwd", "..", "MAIN_x.seg\0", ""])
def test_the_storage_opens_no_path_outside_its_folder(tmp_path, name):
    storage = SafeFileStorage(str(tmp_path))
    with pytest.raises(UntrustedIndexError):
        storage.open_file(name)
    with pytest.raises(UntrustedIndexError):
        storage.create_file(name)


# -- the unpicklers ----------------------------------------------------------------------------------------------


def test_the_data_unpickler_builds_what_a_block_holds_and_nothing_else(marker):
    block = ((1, 5, 9), None, (b"\x01\x02", b"\x03"))
    for protocol in (2, 4, 5):
        assert loads_data(pickle.dumps(block, protocol)) == block
        assert loads_data(pickle.dumps([3, 5, 10.5, "text", {"a": 1}], protocol)) == [3, 5, 10.5, "text", {"a": 1}]
    for refused in (
        pickle.dumps(Payload(marker), 2),
        pickle.dumps(make_schema(), 2),
        b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00rot13\x86R.",  # not bytes' own use
    ):
        with pytest.raises(RefusedPickle):
            loads_data(refused)
    assert not marker.exists()


def test_the_toc_unpickler_builds_a_schema_and_no_function():
    schema = pickle.dumps(make_schema(), 2)
    assert pickle.dumps(loads_structure(schema), 2) == pickle.dumps(pickle.loads(schema), 2)  # as pickle builds it
    for named in (searchlib.analysis.stem, searchlib.analysis.paper_analyzer, os.system, pickle.loads):
        with pytest.raises(RefusedPickle):
            loads_structure(pickle.dumps(named, 2))
    with pytest.raises(RefusedPickle, match="re._compile"):
        loads_structure(pickle.dumps(__import__("re").compile("x"), 2))


def test_nothing_searchlib_does_unpickles_with_plain_pickle(index_path, monkeypatch):
    """Every pickle read while opening, searching (phrases too), showing, listing, adding and merging goes through
    a restricted unpickler: Whoosh's own ``pickle.loads`` and ``load`` are never reached."""
    import whoosh.columns
    import whoosh.filedb.structfile

    def refuse(*args, **kwargs):
        raise AssertionError("plain pickle used")

    for owner, name in [
        (pickle, "loads"),
        (pickle, "load"),
        (whoosh.columns, "loads"),
        (whoosh.filedb.structfile, "load_pickle"),
    ]:
        monkeypatch.setattr(owner, name, refuse)
    index = open_index(index_path)
    assert [hit.record.doi for hit in index.search('"hybrid interventions" OR methods:interviews')]
    assert index.search("care quality", match="any")[0].highlights
    assert index.get(HYBRID) and len(list(index)) == 10 and index.stats()["papers"] == 10
    assert index.similar(HYBRID).total and index.explain("interviews", HYBRID).score
    index.add([{"title": "Zebras", "doi": "10.1/zebra"}], batch_size=1)
    index.optimize()
    assert index.get("10.1/zebra").title == "Zebras"


def test_a_commit_between_reading_a_toc_and_its_signed_record_is_read_past(index_path, monkeypatch):
    """A reader reads a TOC, then the manifest: a commit in between leaves the manifest with no record of the TOC
    read. That is a newer generation to read, not a folder to refuse."""
    from searchlib._engine import storage

    index, other = open_index(index_path), open_index(index_path)
    read_manifest_now = storage.read_manifest
    committed = []

    def committing_first(path):
        if not committed:
            committed.append("quagga")  # first, as the commit reads the manifest too
            other.add([{"title": "Quaggas", "doi": "10.1/quagga"}])
        return read_manifest_now(path)

    monkeypatch.setattr(storage, "read_manifest", committing_first)
    assert index.add([{"title": "Zebras", "doi": "10.1/zebra"}]) == 1
    assert committed and {"10.1/quagga", "10.1/zebra"} <= {r.doi for r in index}
