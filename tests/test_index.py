from __future__ import annotations

import orjson
import pytest

import searchlib
from searchlib import SearchlibError, build_index, open_index
from tests.conftest import dois


def test_build_open_and_reopen(tmp_path, seed_path):
    path = tmp_path / "ix"
    index = build_index(seed_path, path)
    assert len(index) == 10
    index.close()
    again = open_index(path)
    assert len(again) == 10
    assert again.get("https://doi.org/10.1136/BMJQS-2024-017386").title.startswith("A realist review")


def test_adding_the_same_file_twice_never_duplicates(tmp_path, seed_path):
    index = build_index(seed_path, tmp_path / "ix")
    index.add(seed_path)
    index.add(seed_path)
    assert len(index) == 10
    assert index.search("methods:interviews").total == 3


def test_add_replaces_by_doi(tmp_path, seed_records):
    index = build_index(seed_records, tmp_path / "ix")
    changed = dict(seed_records[0].raw, title="A completely new title about zebrafish")
    index.add([changed])
    assert len(index) == 10
    assert dois(index.search("zebrafish")) == [seed_records[0].doi]
    assert index.search("ti:hybrid").total == 0


def test_build_accepts_dicts_records_and_lists_of_paths(tmp_path, seed_path, seed_records):
    assert len(build_index([dict(r.raw) for r in seed_records])) == 10
    assert len(build_index(list(seed_records))) == 10
    assert len(build_index([seed_path, seed_path])) == 10


def test_existing_index_is_kept_unless_overwrite(tmp_path, seed_path, seed_records):
    path = tmp_path / "ix"
    build_index(seed_records[:3], path).close()
    with pytest.raises(SearchlibError, match="already exists"):
        build_index(seed_path, path)
    assert len(open_index(path)) == 3
    assert len(build_index(seed_path, path, overwrite=True)) == 10
    assert [p.name for p in tmp_path.iterdir()] == ["ix"]  # no staging folders left behind


def test_a_folder_that_is_not_an_index_is_never_overwritten(tmp_path, seed_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.docx").write_text("precious")
    with pytest.raises(SearchlibError, match="not a searchlib index"):
        build_index(seed_path, folder, overwrite=True)
    assert (folder / "thesis.docx").read_text() == "precious"


def test_a_failed_build_leaves_nothing_half_written(tmp_path, seed_records):
    path = tmp_path / "ix"

    def records():
        yield from seed_records[:5]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        build_index(records(), path)
    assert list(tmp_path.iterdir()) == []


def test_open_index_refuses_what_is_not_a_searchlib_index(tmp_path):
    with pytest.raises(SearchlibError, match="no such folder"):
        open_index(tmp_path / "nope")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "_MAIN_1.toc").write_bytes(b"\x80")
    with pytest.raises(SearchlibError, match=r"not a searchlib index.*_MAIN_1.toc"):
        open_index(tmp_path / "other")


def test_open_index_refuses_a_newer_format(tmp_path, seed_path):
    path = tmp_path / "ix"
    build_index(seed_path, path).close()
    manifest = orjson.loads((path / "searchlib.json").read_bytes())
    for version in (99, "5", None, 4.5, [4]):  # a format this searchlib does not know, whatever its form
        manifest["version"] = version
        (path / "searchlib.json").write_bytes(orjson.dumps(manifest))
        with pytest.raises(SearchlibError, match="made by a newer searchlib .*; upgrade searchlib"):
            open_index(path)


def test_searcher_sees_new_commits(tmp_path, seed_records):
    index = build_index(seed_records[2:], tmp_path / "ix")
    assert index.search("realist").total == 0
    index.add(seed_records)
    assert index.search("realist").total == 1


def test_stats_count_papers_and_sections(seed_index):
    stats = seed_index.stats()
    assert stats["papers"] == 10
    assert stats["papers_with_section"]["methods"] == 7
    assert (
        stats["papers_with_section"]["objective"] == 2 + 1
    )  # two "Objectives"-like labels + "Introduction and aims"
    assert stats["size_bytes"] > 0 and stats["abstract_vocabulary"] > 100


def test_skip_mode_for_records_given_as_dicts(seed_records):
    items = [dict(r.raw) for r in seed_records] + [{"title": 5}]
    with pytest.raises(searchlib.LoadError, match="record 11"):
        build_index(items)
    with pytest.warns(UserWarning, match="skipped 1"):
        assert len(build_index(items, errors="skip")) == 10


def test_in_memory_builds_in_parallel_processes_do_not_collide(seed_path):
    # Whoosh's own in-memory storage shares one scratch folder per machine; two processes committing at
    # once used to delete each other's files.
    import concurrent.futures
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(4, mp_context=ctx) as pool:
        counts = list(pool.map(_build_in_memory_count, [str(seed_path)] * 8))
    assert counts == [10] * 8


def test_in_memory_indexes_leave_no_scratch_folders(tmp_path, monkeypatch, seed_path, seed_records):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    index = build_index(seed_path)
    index.add(seed_records[:2])
    index.delete([seed_records[0].doi])
    index.optimize()
    assert len(index) == 9
    assert list(tmp_path.iterdir()) == []


def _build_in_memory_count(path: str) -> int:
    total = 0
    for _ in range(5):
        total = len(build_index(path))
    return total


def test_the_same_paper_under_two_ids_is_one_document(tmp_path):
    # A MEDLINE export without the DOI knows the paper as pmid:31, a PubMed XML export with it by its DOI.
    without_doi = {"title": "Falls on wards", "pmid": "31", "abstract": "Falls happen."}
    with_doi = {"title": "Falls on wards", "pmid": "31", "doi": "10.1/falls", "abstract": "Falls happen often."}
    other = {"title": "Another paper", "pmid": "32"}
    index = build_index([without_doi, other], tmp_path / "ix")
    assert {r.id for r in index} == {"pmid:31", "pmid:32"}
    index.add([with_doi])
    assert sorted(r.id for r in index) == ["10.1/falls", "pmid:32"]
    assert index.get("pmid:31").doi == "10.1/falls"
    # within one batch too, and a thinner copy read last takes nothing away: the DOI stays
    assert [r.id for r in build_index([with_doi, without_doi])] == ["10.1/falls"]


def test_the_garbage_collector_is_paused_while_writing_and_restored_after(tmp_path, seed_path):
    import gc

    seen: list[bool] = []

    def progress(done: int, total: int) -> None:
        seen.append(gc.isenabled())

    assert gc.isenabled()
    index = build_index(seed_path, tmp_path / "ix", progress=progress)
    assert seen and not any(seen)
    assert gc.isenabled()
    seen.clear()
    index.add(seed_path, progress=progress)
    assert seen[0] is False  # the first record; the last report comes once the add is done
    assert gc.isenabled()

    def fail(done: int, total: int) -> None:
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        build_index(seed_path, tmp_path / "failed", progress=fail)
    assert gc.isenabled()
    gc.disable()  # a caller's own choice is kept
    try:
        build_index(seed_path)
        assert not gc.isenabled()
    finally:
        gc.enable()
