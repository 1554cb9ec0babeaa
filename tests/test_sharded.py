"""A sharded index answers as one index of the same papers: the same hits in the same order with the same scores,
totals, facets, suggestions, similar papers and explanations; writes go to the shard a paper's id hashes to.

The same records are built once as one index and once as three shards, and every kind of query is asked of both.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest

import searchlib
from searchlib import SearchlibError
from searchlib._engine.executors import ShardFailed
from searchlib._engine.shards import shard_of
from searchlib._engine.storage import WriteLock

FIXTURES = Path(__file__).parent / "fixtures"
MEDLINE = FIXTURES / "medline" / "medline16n0902-sample.xml.gz"
SHARDS = 3


# (query, search options): every kind of query the language has, with and without feedback, filters and sorts.
QUERIES: list[tuple[str, dict]] = [
    ("cancer patients treatment outcome", {"match": "any"}),  # bare words, feedback on by default
    ("protein expression in cells", {"match": "any", "limit": None}),
    ("tumor growth", {"feedback": True}),
    ("cancer", {}),
    ("cancer", {"limit": None}),
    ("ti:cancer", {}),
    ("abstract:mice", {"limit": 25}),
    ("au:wang", {}),
    ("journal:biological", {}),
    ("methods:randomized", {}),
    ("conclusions:safety", {}),
    ('"breast cancer"', {}),
    ('"cell line"', {"limit": None}),
    ('"tumor cells"~3', {}),
    ("cancer NEAR/5 risk", {}),
    ("canc*", {"limit": None}),
    ("ti:prote*", {}),
    ('"immun*"', {}),
    ("cancer AND (mice OR rats) NOT human", {}),
    ("patients OR children", {"limit": 40}),
    ("cells", {"year": (2014, 2015)}),
    ("cells", {"year": 2015, "sort": "date"}),
    ("protein", {"journal": "The Journal of biological chemistry"}),
    ("patients", {"sort": "date", "limit": 30}),
    ("patients", {"sort": "-date", "limit": None}),
    ("2015[dp] AND cancer", {}),
    ("cancer[tiab] AND wang[au]", {}),
    ("safety", {"plain": True, "match": "any"}),
]


def _paper(i: int) -> searchlib.Record:
    return searchlib.Record(
        id=f"10.5555/shard-test-{i}",
        doi=f"10.5555/shard-test-{i}",
        title=f"Shard routing test paper {i} on cancer screening",
        authors=("Routing A",),
        abstract="Screening for cancer in primary care, a tumor registry study.",
        year=2015,
        journal="Routing Journal",
    )


@pytest.fixture(scope="module")
def records():
    return list(searchlib.load_records(MEDLINE)) + list(searchlib.load_records(searchlib.bundled_records_path()))


@pytest.fixture(scope="module")
def both(records, tmp_path_factory):
    where = tmp_path_factory.mktemp("sharded")
    one = searchlib.build_index(records, where / "one")
    many = searchlib.build_index(records, where / "many", shards=SHARDS)
    yield one, many
    one.close()
    many.close()


def _same_results(one, many, query, options):
    a, b = one.search(query, **options), many.search(query, **options)
    assert [h.id for h in b] == [h.id for h in a], (query, options)
    assert [h.score for h in b] == pytest.approx([h.score for h in a], abs=1e-9, rel=0), (query, options)
    assert (b.total, b.parsed) == (a.total, a.parsed), (query, options)
    for name in ("year", "journal", "section"):
        assert b.facets(name) == a.facets(name), (query, name)
    return a


@pytest.mark.parametrize(("query", "options"), QUERIES, ids=[f"{q} {o}" for q, o in QUERIES])
def test_every_kind_of_query_gives_one_index_s_hits_scores_order_totals_and_facets(both, query, options):
    a = _same_results(*both, query, options)
    assert a.total > 0, "a query that matches nothing compares nothing"


def test_a_paper_named_by_its_identifier_is_kept_only_if_the_filters_keep_it(both, records):
    paper = next(r for r in records if r.pmid and r.year and r.doi)
    for index in both:
        for query in (paper.pmid, paper.doi):
            assert [h.id for h in index.search(query, year=paper.year)] == [paper.id]
            left_out = index.search(query, year=(None, paper.year - 1))
            assert (left_out.total, list(left_out), left_out.facets("year")) == (0, [], {})
            assert index.search(query, journal="No Such Journal").total == 0


@pytest.mark.parametrize("shards", [None, SHARDS])
def test_results_read_after_their_index_is_closed_say_so(records, tmp_path, shards):
    with searchlib.open_index(searchlib.build_index(records, tmp_path / "ix", shards=shards).path) as index:
        results = index.search("cancer", limit=3)
    for read in (lambda: results.facets("year"), lambda: results.suggestion):
        with pytest.raises(SearchlibError, match="was closed.*read them before closing it"):
            read()
    assert searchlib.open_index(tmp_path / "ix").search("cancer").total == results.total  # searching again works


def test_ties_rank_by_paper_id_in_both(both):
    one, many = both
    results = one.search("2015[dp]", limit=None)  # a year scores every match alike
    ids = [h.id for h in results]
    assert len({h.score for h in results}) == 1 and len(ids) > 100 and ids == sorted(ids)
    assert [h.id for h in many.search("2015[dp]", limit=None)] == ids
    assert [h.id for h in many.search("2015[dp]", limit=7)] == ids[:7]


def test_papers_are_split_between_the_shards_by_a_stable_hash_of_their_id(both, records):
    _, many = both
    for i, name in enumerate(f"shard-{n:03d}" for n in range(SHARDS)):
        with searchlib.open_index(many.path / name) as shard:
            expected = {
                r.id
                for r in records
                if int.from_bytes(hashlib.blake2b(r.id.encode(), digest_size=8).digest(), "big") % SHARDS == i
            }
            assert {r.id for r in shard} == expected and expected
    assert len(many) == len(records) == many.stats()["papers"]
    assert sorted(r.id for r in many) == sorted(r.id for r in records)


def test_highlights_suggestions_similar_and_explanations_are_one_index_s(both, records):
    one, many = both
    for query in ("canc* screening", '"breast cancer"', "ti:tumor"):
        assert [h.highlights for h in many.search(query)] == [h.highlights for h in one.search(query)]
    for query in ("cancr tretment", "randmized trail", "protien"):
        assert many.search(query).suggestion == one.search(query).suggestion
    for paper in (records[3].id, records[100].id, records[-1].id):
        a, b = one.similar(paper, limit=20), many.similar(paper, limit=20)
        assert [(h.id, h.score) for h in b] == [(h.id, h.score) for h in a] and b.total == a.total
        assert str(many.explain("cancer patients", paper, match="any")) == str(
            one.explain("cancer patients", paper, match="any")
        )
    assert many.search(f"{records[7].pmid}[pmid]")[0].id == records[7].id
    assert many.get(records[7].id) == one.get(records[7].id) == records[7]


def test_stats_add_up_the_shards(both):
    one, many = both
    a, b = one.stats(), many.stats()
    for key in ("papers", "papers_with_section", "papers_with_any_section", "vocabulary", "abstract_vocabulary"):
        assert b[key] == a[key], key
    assert sum(b["shards"].values()) == a["papers"]


def test_add_and_delete_go_to_each_paper_s_shard_and_keep_results_equal(records, tmp_path):
    one = searchlib.build_index(records[:120], tmp_path / "one")
    many = searchlib.build_index(records[:120], tmp_path / "many", shards=SHARDS)
    new = [_paper(i) for i in range(6)] + [dataclasses.replace(records[5], title="A replaced title on cancer")]
    added = many.add(new)
    assert repr(added) == repr(one.add(new)) and added == 7  # the same papers new, merged and unchanged
    assert many.get(records[5].id) == one.get(records[5].id)  # the copy merged into its paper, in its shard
    assert many.delete([new[0].doi, "10.5555/not-there", records[10].id]) == 2
    assert one.delete([new[0].doi, "10.5555/not-there", records[10].id]) == 2
    assert many.get(new[0].doi) is None and many.get(new[1].doi) == one.get(new[1].doi)
    assert many.get(new[1].doi).title == new[1].title
    assert len(many) == len(one)
    for query in ("cancer", "screening", "ti:replaced"):
        a, b = one.search(query, limit=None), many.search(query, limit=None)
        assert {h.id for h in b} == {h.id for h in a} and b.total == a.total
    # Replaced and deleted papers count in the statistics until their segment is merged away, which one index
    # and its shards do at different times: once both are optimized, the scores agree again to the last digit.
    one.optimize()
    many.optimize()
    for query, options in [
        ("cancer screening", {"match": "any"}),
        ("cancer", {"limit": None}),
        ("ti:replaced", {}),
    ]:
        _same_results(one, many, query, options)


def test_an_add_a_shard_cannot_commit_names_it_and_keeps_the_others(records, tmp_path):
    many = searchlib.build_index(records[:30], tmp_path / "many", shards=SHARDS)
    new = [_paper(i) for i in range(12)]
    lock = WriteLock(tmp_path / "many" / "shard-001")
    assert lock.acquire()
    try:
        with pytest.raises(ShardFailed, match="shard-001") as failure:
            many.add(new, timeout=0.1)
        assert "shard-000" not in str(failure.value)
        kept = [p for p in new if many.get(p.id) is not None]
        assert kept and len(kept) < len(new)  # shard-001's part is missing, nothing else
    finally:
        lock.release()
    assert many.add(new) == len(new)  # the same add again completes it
    assert all(many.get(p.id).title == p.title for p in new)


def test_a_failing_shard_fails_the_search_naming_it(records, tmp_path):
    many = searchlib.build_index(records[:30], tmp_path / "many", shards=SHARDS)
    many.executor._servers[2].top = lambda *args: (_ for _ in ()).throw(OSError("disk gone"))
    with pytest.raises(ShardFailed, match="shard-002 failed: OSError: disk gone"):
        many.search("cancer")


def test_a_missing_or_broken_shard_is_an_error_naming_it(records, tmp_path):
    searchlib.build_index(records[:30], tmp_path / "many", shards=SHARDS)
    shutil.rmtree(tmp_path / "many" / "shard-001")
    with pytest.raises(SearchlibError, match="shard-001"):
        searchlib.open_index(tmp_path / "many")


def test_a_sharded_build_checks_what_it_is_asked(records, tmp_path):
    for bad in (0, -1, 2.5, True):
        with pytest.raises(SearchlibError, match="shards must be"):
            searchlib.build_index(records[:5], tmp_path / "x", shards=bad)
    with pytest.raises(SearchlibError, match="pass a path"):
        searchlib.build_index(records[:5], shards=2)
    with pytest.raises(SearchlibError, match="executor"):
        searchlib.build_index(records[:5], tmp_path / "x", shards=2, executor="spark")
    searchlib.build_index(records[:5], tmp_path / "x", shards=2)
    with pytest.raises(SearchlibError, match="already exists"):
        searchlib.build_index(records[:5], tmp_path / "x", shards=2)
    replaced = searchlib.build_index(records[:8], tmp_path / "x", shards=4, overwrite=True)
    assert len(replaced) == 8 and replaced.shards == 4
    assert len(searchlib.build_index(records[:2], tmp_path / "few", shards=8)) == 2  # empty shards are fine


def test_searches_from_several_threads_at_once_give_one_index_s_results(both):
    from concurrent.futures import ThreadPoolExecutor

    one, built = both
    many = searchlib.open_index(built.path)  # statistics gathered from nothing, by the threads together
    asked = [(q, o) for q, o in QUERIES if o.get("limit", 10) is not None][:16] * 2

    def hits(index, query, options):
        return [(h.id, h.score) for h in index.search(query, **options)]

    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda qo: hits(many, *qo), asked))
    assert found == [hits(one, q, o) for q, o in asked]
    many.close()


def test_record_files_are_read_once_and_each_paper_built_in_its_shard(tmp_path):
    files = [MEDLINE, searchlib.bundled_records_path(), FIXTURES / "formats" / "pubmed.xml"]
    one = searchlib.build_index(files, tmp_path / "one")
    many = searchlib.build_index(files, tmp_path / "many", shards=SHARDS)
    assert not list((tmp_path / "many").rglob(".records*"))  # the records read for the builders are gone
    assert sorted(r.id for r in many) == sorted(r.id for r in one)
    for query, options in QUERIES[:2] + QUERIES[11:12] + QUERIES[15:16]:
        _same_results(one, many, query, options)


def test_each_shard_s_builder_reads_only_the_records_placed_in_it(records, tmp_path):
    from searchlib.shard import Placement, Spilled, spill, split

    placement = Placement(SHARDS)
    for record in spill(records, tmp_path / "read"):
        placement.note(record)
    where = placement.shards()
    pieces = split(str(tmp_path / "read"), where.tobytes(), SHARDS)
    assert not (tmp_path / "read").exists()
    for shard, piece in enumerate(pieces):
        assert list(Spilled([piece])) == [r for r, s in zip(records, where, strict=True) if s == shard]
    first = records[:2]
    list(spill(first, tmp_path / "two"))
    assert split(str(tmp_path / "two"), bytes(4), SHARDS)[1:] == [None, None]  # both in shard 0: no other file


def _copies():
    """Three records of one paper under two ids, the first two in different shards: the third links them."""
    a = {
        "doi": "10.5555/copy-1",
        "title": "Copies of one paper across shards",
        "authors": ["Ann Roe"],
        "year": 2020,
    }
    b = {"pmid": "1001", "title": "Copies of one paper across shards.", "journal": "Shard J", "authors": ["A Roe"]}
    c = {"doi": "10.5555/copy-1", "pmid": "1001", "abstract": "Methods: We split the papers. Results: One paper."}
    assert shard_of("10.5555/copy-1", SHARDS) != shard_of("pmid:1001", SHARDS)
    return a, b, c


def test_copies_under_different_ids_are_built_into_one_paper_as_one_index_builds_them(records, tmp_path):
    source = records[:20] + list(_copies())
    one = searchlib.build_index(source, tmp_path / "one")
    many = searchlib.build_index(source, tmp_path / "many", shards=SHARDS)
    assert len(many) == len(one) == 21
    assert repr(many.report) == repr(one.report)
    assert many.get("pmid:1001") == one.get("pmid:1001") == many.get("10.5555/copy-1")
    assert len(many.get("pmid:1001").sources) == 3
    _same_results(one, many, "copies across shards", {"match": "any"})


def test_an_added_copy_linking_papers_of_two_shards_makes_them_one_paper(records, tmp_path):
    a, b, c = _copies()
    one = searchlib.build_index(records[:20] + [a, b], tmp_path / "one")
    many = searchlib.build_index(records[:20] + [a, b], tmp_path / "many", shards=SHARDS)
    assert len(many) == len(one) == 22
    assert repr(many.add([c])) == repr(one.add([c]))
    assert len(many) == len(one) == 21
    assert many.get("10.5555/copy-1") == one.get("10.5555/copy-1") == many.get("pmid:1001")
    assert sum(many.stats()["shards"].values()) == 21  # the other shard's copy moved, not kept twice


def test_merging_papers_of_two_shards_gives_one_index_s_paper(records, tmp_path):
    a, b, _ = _copies()
    one = searchlib.build_index(records[:20] + [a, b], tmp_path / "one")
    many = searchlib.build_index(records[:20] + [a, b], tmp_path / "many", shards=SHARDS)
    assert many.merge(["10.5555/copy-1", "pmid:1001"]) == one.merge(["10.5555/copy-1", "pmid:1001"])
    assert len(many) == len(one) == 21
    assert many.get("pmid:1001") == one.get("pmid:1001")
    with pytest.raises(SearchlibError, match="nothing was merged"):
        many.merge(["10.5555/copy-1", "10.5555/not-there"])


def test_a_sharded_folder_from_elsewhere_opens_once_every_shard_is_trusted(records, tmp_path, monkeypatch, capsys):
    from searchlib.cli import main

    path = tmp_path / "many"
    searchlib.build_index(records[:30], path, shards=SHARDS)
    monkeypatch.setenv("SEARCHLIB_KEY_FILE", str(tmp_path / "other-user" / "key"))
    with pytest.raises(searchlib.UntrustedIndexError, match=f"searchlib trust {path}`") as caught:
        searchlib.open_index(path)
    assert caught.value.path == str(path)
    assert main(["trust", "--verify", str(path)]) == 1  # checking signs nothing
    assert main(["trust", str(path)]) == 0
    assert "trusted" in capsys.readouterr().out
    assert len(searchlib.open_index(path)) == 30 and main(["trust", "--verify", str(path)]) == 0


@pytest.mark.filterwarnings("ignore:skipped 1 malformed record")
def test_a_sharded_build_reports_what_became_of_each_record(records, tmp_path):
    bad = {"title": "", "authors": "not a list"}
    many = searchlib.build_index(
        records[:10] + records[:3] + [bad], tmp_path / "many", shards=SHARDS, errors="skip"
    )
    one = searchlib.build_index(records[:10] + records[:3] + [bad], tmp_path / "one", errors="skip")
    assert repr(many.report) == repr(one.report)
    assert (many.report.new, many.report.unchanged, many.report.skipped) == (10, 3, 1)


@pytest.mark.parametrize("query", ["abstract:*tion*", "year:2015", "title:*ing*"])
def test_papers_that_tie_rank_by_id_however_many_tie(both, query, monkeypatch):
    """A pattern or a year scores every match alike: the first hits are the matches with the lowest ids, whether
    the ids of the tied papers are read one by one or walked in order (when most papers tie)."""
    from searchlib.search import termwise

    one, many = both
    matched = sorted(h.id for h in one.search(query, limit=None))
    assert len(matched) > 40  # enough ties that the ids are walked in order
    for scan in (termwise.ID_SCAN, 10**9):  # walked, then read one by one
        monkeypatch.setattr(termwise, "ID_SCAN", scan)
        for index in (one, many):
            index.close()
            assert [h.id for h in index.search(query, limit=10)] == matched[:10], (query, scan)
