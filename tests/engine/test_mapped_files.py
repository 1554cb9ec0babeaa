"""Index files are read through memory maps, without copies, and read exactly as Whoosh's own buffers read."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb.structfile import BufferFile

from searchlib._engine.storage import SafeFileStorage, _MappedFile

DATA = bytes(range(256)) * 40 + b"line one\nline two\n" + b"\x00" * 100


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["read", "seek", "seek_cur", "seek_end", "readline", "get"]), st.integers(-5, 11000)
        ),
        max_size=12,
    )
)
def test_mapped_file_reads_as_whooshs_buffer_file(ops) -> None:
    ours, theirs = _MappedFile(memoryview(DATA)), BufferFile(memoryview(DATA))
    for op, n in ops:
        if op == "read":
            assert ours.read(n) == theirs.read(n)
        elif op == "seek":
            ours.seek(abs(n))
            theirs.seek(abs(n))
        elif op == "seek_cur":
            ours.seek(abs(n) % 50, os.SEEK_CUR)
            theirs.seek(abs(n) % 50, os.SEEK_CUR)
        elif op == "seek_end":
            ours.seek(-(abs(n) % 50), os.SEEK_END)
            theirs.seek(-(abs(n) % 50), os.SEEK_END)
        elif op == "readline":
            assert ours.readline() == theirs.readline()
        else:
            assert ours.get(abs(n), 7) == theirs.get(abs(n), 7)
        assert ours.tell() == theirs.tell()
    part, whole = ours.subset(100, 300), theirs.subset(100, 300)
    assert part.read(50) == whole.read(50) and part.get(10, 20) == whole.get(10, 20)


def test_storage_maps_files_and_still_opens_empty_ones(tmp_path) -> None:
    (tmp_path / "MAIN_data.seg").write_bytes(DATA)
    (tmp_path / "MAIN_empty.seg").write_bytes(b"")
    storage = SafeFileStorage(str(tmp_path))
    f = storage.open_file("MAIN_data.seg")
    assert isinstance(f, _MappedFile)
    assert f.get(256 * 40, 8) == b"line one"
    assert storage.open_file("MAIN_empty.seg").read() == b""


def test_pickles_load_in_sequence_as_from_whooshs_buffer_file() -> None:
    import pickle

    items = [(i, i * 2.5, "abc" * (i % 5), list(range(i % 7))) for i in range(300)]
    data = b"".join(pickle.dumps(item, 2) for item in items)
    ours, theirs = _MappedFile(memoryview(data)), BufferFile(memoryview(data))
    for item in items:
        assert pickle.load(ours.file) == pickle.load(theirs.file) == item
        assert ours.tell() == theirs.tell()
