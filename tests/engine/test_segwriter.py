"""The fast segment writer makes the files Whoosh's own writer makes, from the same documents.

Every file but the postings and the term table is byte for byte Whoosh's. Those two hold the same terms, term
statistics, blocks and postings. The bytes differ in three ways: a block is pickled with protocol 4, not 2; its
pickle names each distinct value once (most postings are one word at one position, whose encoding this writer
shares), so blocks are smaller; and a pickle shorter than ``SMALL_BLOCK`` is left uncompressed. The offsets in
the term table differ with them.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import fields
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from searchlib import bundled_records_path
from searchlib._engine import segwriter
from searchlib._engine.schema import make_schema, to_document
from searchlib._engine.segwriter import SMALL_BLOCK, FastSegmentWriter
from searchlib.analysis import paper_analyzer, plain_analyzer, surface_analyzer
from searchlib.errors import LoadError
from searchlib.records.readers import load_records, read_records
from searchlib.records.readers.seed import record_from_dict
from tests.conftest import FIXTURES as FIXTURES_DIR

FIXTURES = FIXTURES_DIR


def fixture_documents() -> list[dict]:
    records = list(load_records(bundled_records_path()))
    for path in sorted((FIXTURES / "formats").iterdir()):
        try:
            records += [r for r in read_records(path, None) if not isinstance(r, LoadError)]
        except LoadError:  # a fixture of a broken file, refused whole
            continue
    # Enough papers sharing words for posting lists of several 128-posting blocks.
    seed = list(load_records(bundled_records_path()))
    for i in range(300):
        a, b = seed[i % len(seed)], seed[(i * 7 + 3) % len(seed)]
        records.append(
            record_from_dict(
                {
                    "title": f"{a.title} {i}",
                    "abstract": (a.abstract_html or "") + (b.abstract_html or "")[: 40 * (i % 9)],
                    "authors": list(b.authors[: 1 + i % 4]),
                    "year": 1990 + i % 30,
                    "doi": f"10.9/gen.{i}",
                }
            )
        )
    records.append(
        record_from_dict(
            {
                "title": "COVID-19: the the of 95% anti-TNF Æsir façade",
                "abstract": "<p><b>Methods:</b> 12.5% of 1,000,000 über-cool set\u2010ups, "
                + "word " * 300
                + "</p>",
                "doi": "10.1/long",
            }
        )
    )
    return [to_document(r) for r in records]


def segment_files(folder: Path) -> dict[tuple[int, str], object]:
    """The segments' files, by the segment's place in the index and what follows its random name; the postings
    and term table as what they hold (:func:`postings`)."""
    storage = FileStorage(str(folder))
    ix = storage.open_index()
    out: dict[tuple[int, str], object] = {}
    for n, segment in enumerate(ix._segments()):
        name = segment.segment_id()
        for f in folder.glob(f"{name}.*"):
            ext = f.name[len(name) + 1 :]
            if ext not in ("trm", "pst"):
                out[n, ext] = f.read_bytes()
        out[n, "postings"] = postings(SegmentReader(storage, ix.schema, segment))
    return out


def postings(reader: SegmentReader) -> dict[tuple[str, bytes], tuple]:
    """Each term's statistics and blocks: (postings, last id, max weight, min and max length, the postings)."""
    out = {}
    for fieldname, btext in reader.all_terms():
        ti = reader.term_info(fieldname, btext)
        stats = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight())
        stats += (ti.min_id(), ti.max_id())
        m = reader.postings(fieldname, btext)
        blocks = []
        while True:
            m._read_ids(), m._read_weights(), m._read_values()
            blocks.append((m._blocklength, m._maxid, m._maxweight, m._minlength, m._maxlength))
            blocks.append((tuple(m._ids), tuple(m._weights), tuple(m._values)))
            if m._lastblock:
                break
            m._next_block()
        out[fieldname, btext] = (stats, blocks)
    return out


def compressed_blocks(folder: Path) -> list[tuple[int, int]]:
    """Every block's (compression level, pickle size)."""
    ix = FileStorage(str(folder)).open_index()
    out = []
    for segment in ix._segments():
        reader = SegmentReader(ix.storage, ix.schema, segment)
        for fieldname, btext in reader.all_terms():
            m = reader.postings(fieldname, btext)
            while True:
                raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
                out.append((m._compression, len(zlib.decompress(raw) if m._compression else raw)))
                if m._lastblock:
                    break
                m._next_block()
    return out


#: Postings a block holds in the comparisons below: small, so that many terms of the fixture span several blocks.
BLOCKS = 16


def build(
    folder: Path, writer_class, batches: list[list[dict]], schema=None, optimize=False, blocks=BLOCKS, **kwargs
):
    """Index ``batches`` (a commit each) with ``writer_class`` and a codec of ``blocks`` postings a block (the
    writer's own choice when None); the segments' files."""
    folder.mkdir()
    ix = FileStorage(str(folder)).create_index(schema or make_schema())
    codec = None if blocks is None else W3Codec(blocklimit=blocks)
    for n, batch in enumerate(batches, start=1):
        writer = writer_class(ix, compound=False, codec=codec, **kwargs)
        for doc in batch:
            writer.add_document(**doc)
        writer.commit(optimize=optimize and n == len(batches))
    return segment_files(folder)


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    docs = fixture_documents()
    assert len(docs) > 300
    return docs


@pytest.mark.parametrize("blocks", [BLOCKS, 128, segwriter.BLOCK_POSTINGS])
def test_one_segment_is_whooshs(tmp_path, documents, blocks) -> None:
    ours = build(tmp_path / "fast", FastSegmentWriter, [documents], blocks=blocks)
    theirs = build(tmp_path / "whoosh", SegmentWriter, [documents], blocks=blocks)
    assert {(0, e) for e in ("postings", "_stored.col", "_abstract_len.col", "year.col")} <= set(theirs)
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name
    sizes = [sum(size for _, size in compressed_blocks(tmp_path / name)) for name in ("fast", "whoosh")]
    # Shared values are pickled once per block, and protocol 4 pickles bytes as they are (the positions of words
    # as written are mostly distinct values, shared less than the stems' were).
    assert sizes[0] < sizes[1] * 0.75
    many = [b for _, b in theirs[0, "postings"].values() if len(b) > 2]  # type: ignore[union-attr]
    assert many or blocks > 128, "some terms should span several blocks"


def test_only_small_blocks_are_left_uncompressed(tmp_path, documents) -> None:
    build(tmp_path / "fast", FastSegmentWriter, [documents])
    blocks = compressed_blocks(tmp_path / "fast")
    assert all((level == 0) == (size < SMALL_BLOCK) for level, size in blocks)
    assert {level for level, _ in blocks} == {0, 3}  # both kinds occur


def test_term_table_written_a_row_at_a_time_is_the_same(tmp_path, documents, monkeypatch) -> None:
    # Rows and postings are held and written in batches; written one at a time, every byte is the same.
    whole = build(tmp_path / "whole", FastSegmentWriter, [documents])
    monkeypatch.setattr(segwriter, "FLUSH_BYTES", 1)
    rows = build(tmp_path / "rows", FastSegmentWriter, [documents])
    assert rows == whole
    raw = {}
    for name in ("whole", "rows"):
        files = {f.suffix: f.read_bytes() for f in (tmp_path / name).glob("*.*") if f.suffix in (".trm", ".pst")}
        raw[name] = files
    assert raw["rows"] == raw["whole"]
    assert len(raw["whole"][".trm"]) > 2**16  # rows past 64 KiB: the table's index of rows needs a wider type


@pytest.mark.parametrize("chunk", [3, segwriter.RUN_CHUNK])
def test_postings_spilled_to_runs_are_merged_back_exactly(tmp_path, documents, monkeypatch, chunk) -> None:
    # Runs are written a few terms per chunk, and what is still held at the end is merged from memory.
    monkeypatch.setattr(segwriter, "RUN_CHUNK", chunk)
    ours = build(tmp_path / "fast", FastSegmentWriter, [documents], spill_postings=500)
    theirs = build(tmp_path / "whoosh", SegmentWriter, [documents])
    assert ours == theirs


def test_segments_merged_at_commit_are_whooshs(tmp_path, documents) -> None:
    # Three commits, the last merging the others into its new segment, through the writer's pool.
    batches = [documents[:20], documents[20:40], documents[40:]]
    ours = build(tmp_path / "fast", FastSegmentWriter, batches, optimize=True, spill_postings=700)
    theirs = build(tmp_path / "whoosh", SegmentWriter, batches, optimize=True)
    assert ours == theirs
    assert {n for n, _ in theirs} == {0}  # all merged into one segment


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["the ", "of ", "Trial ", "trials ", "COVID-19 ", "95% ", "<i>x</i>", "Æ ", "-"]))
        .map("".join)
        .filter(str.strip),
        min_size=1,
        max_size=6,
    )
)
def test_any_text_indexes_as_whoosh_indexes_it(tmp_path_factory, texts: list[str]) -> None:
    schema = fields.Schema(
        text=fields.TEXT(analyzer=paper_analyzer(), phrase=True),
        freq=fields.TEXT(analyzer=plain_analyzer(), phrase=False),
        words=fields.FieldType(fields.formats.Existence(), analyzer=surface_analyzer(), scorable=True),
    )
    docs = [{"text": t, "freq": t, "words": t} for t in texts]
    root = tmp_path_factory.mktemp("any")
    ours = build(root / "fast", FastSegmentWriter, [docs], schema=schema)
    theirs = build(root / "whoosh", SegmentWriter, [docs], schema=schema)
    assert ours == theirs


def test_a_paper_indexed_fast_is_found(tmp_path) -> None:
    from searchlib import build_index

    index = build_index(
        [{"title": "Exercise after stroke", "abstract": "Results: walking improved.", "doi": "10.1/x"}],
        tmp_path / "ix",
    )
    assert [h.doi for h in index.search("results:walk")] == ["10.1/x"]
    assert index.search('"exercise after stroke"').total == 1


def test_a_writer_given_no_codec_writes_blocks_of_block_postings(tmp_path) -> None:
    n = segwriter.BLOCK_POSTINGS + 40
    docs = [to_document(record_from_dict({"title": f"Falls {i}", "doi": f"10.1/{i}"})) for i in range(n)]
    files = build(tmp_path / "fast", FastSegmentWriter, [docs], blocks=None)
    blocks = files[0, "postings"][("title", b"fall")][1]  # type: ignore[index]
    assert [b[0] for b in blocks[::2]] == [segwriter.BLOCK_POSTINGS, 40]  # each block's length
    assert len(blocks[1][0]) == segwriter.BLOCK_POSTINGS


def test_a_blocks_positions_are_a_pickle_frame_of_their_own() -> None:
    from pickle import dumps, loads

    ids, weights = tuple(range(0, 256, 2)), None
    small = tuple(bytes([i % 7]) * 3 for i in range(128))
    head = dumps((ids, weights), 4)
    data = dumps((ids, weights, small), 4)
    apart = segwriter._values_framed_apart(data, head)
    assert apart != data and loads(apart) == loads(data) == (ids, weights, small)
    first = int.from_bytes(apart[3:11], "little")
    assert loads(b"\x80\x04" + apart[11 : 11 + first] + b"\x86.") == (ids, weights)
    # A pickle of 64 KiB or more is framed by the pickler itself: left as it is.
    large = tuple(bytes([i % 256]) * 600 for i in range(128))
    data = dumps((ids, weights, large), 4)
    assert segwriter._values_framed_apart(data, head) == data
