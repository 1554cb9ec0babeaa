from __future__ import annotations

import os
import re

import orjson
import pytest

from searchlib import load_records, open_index
from searchlib.cli import main
from tests.conftest import FIXTURES

HYBRID = "10.1136/bmjqs-2024-017268"


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHLIB_INDEX", raising=False)
    return tmp_path


def test_search_builds_the_default_index_from_bundled_records(in_tmp, capsys):
    assert main(["search", "methods:interviews"]) == 0
    out, err = capsys.readouterr()
    assert "building it from the bundled sample records" in err
    assert (in_tmp / "indexes" / "default" / "searchlib.json").exists()
    assert "Sarah Hampton" in out and "**interviews**" in out
    assert main(["search", "methods:interviews"]) == 0
    assert "building" not in capsys.readouterr().err


def test_bad_query_exits_non_zero_with_one_line(in_tmp, capsys):
    assert main(["search", 'title:("unclosed']) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "unclosed quote" in err


def test_json_output_is_one_object_per_hit(in_tmp, capsys):
    main(["search", "care", "--limit", "3", "--json"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert [orjson.loads(line)["rank"] for line in lines] == [1, 2, 3]


def test_index_show_and_stats(in_tmp, capsys):
    idx = str(in_tmp / "ix")
    seed = str(FIXTURES / "malformed.txt")
    assert main(["index", seed, "--index", idx]) == 1  # malformed line 3
    assert "malformed.txt:3" in capsys.readouterr().err
    assert main(["index", seed, "--index", idx, "--skip-errors"]) == 0
    out, err = capsys.readouterr()
    assert "2 records indexed" in out and "skipped 3" in err
    assert main(["show", "10.9999/GOOD-2", "--index", idx]) == 0
    assert "Second good record" in capsys.readouterr().out
    assert main(["show", "10.9999/nothing", "--index", idx]) == 1
    assert main(["stats", "--index", idx, "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out.splitlines()[-1])["papers"] == 2


def test_missing_index_and_missing_file_are_one_line_errors(in_tmp, capsys):
    assert main(["search", "x", "--index", str(in_tmp / "none")]) == 1
    assert main(["index", str(in_tmp / "none.txt")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("searchlib: error:") for line in err)
    assert f"no index at {in_tmp / 'none'}; make one with `searchlib index FILE... --index" in err[0]


def test_version_names_the_installed_package(capsys):
    import searchlib

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"searchlib {searchlib.__version__}"


# -- the result table, queries as words, --plain ------------------------------------------------------------------


@pytest.fixture
def three(in_tmp):
    """An index of three papers on falls: one with a DOI, one with a PMID only, one with its own id only."""
    papers = [
        {"title": "Falls on wards", "doi": "10.9/A", "abstract": "Falls in older patients."},
        {"title": "Falls at home", "pmid": "123", "abstract": "Falls and fractures in older people."},
        {"title": "Falls in care homes", "id": "own-7", "abstract": "Falls, hip fractures and staffing."},
    ]
    source = in_tmp / "three.jsonl"
    source.write_bytes(b"\n".join(orjson.dumps(p) for p in papers))
    assert main(["index", str(source), "--index", "ix"]) == 0
    return "ix"


def _rows(out: str) -> list[list[str]]:
    """The rows of a result table, split at spaces."""
    return [line.split() for line in out.splitlines() if re.match(r" *\d+ +-?\d+\.\d\d ", line)]


def _table_ids(out: str) -> dict[str, str]:
    """The last column of each row of a result table (the ids), by rank."""
    return {row[0]: row[-1] for row in _rows(out)}


def test_the_table_shows_what_show_takes(three, capsys):
    capsys.readouterr()
    assert main(["search", "falls", "--index", three]) == 0
    ids = _table_ids(capsys.readouterr().out)
    assert sorted(ids.values()) == ["10.9/a", "own-7", "pmid:123"]
    for paper in ids.values():
        assert main(["show", paper, "--index", three]) == 0
        assert capsys.readouterr().out.startswith("Falls ")


def test_unquoted_words_are_one_query(three, capsys):
    capsys.readouterr()
    assert main(["search", "falls older", "--index", three]) == 0
    quoted = capsys.readouterr().out
    assert main(["search", "falls", "older", "--index", three]) == 0
    assert capsys.readouterr().out == quoted
    assert sorted(_table_ids(quoted).values()) == ["10.9/a", "pmid:123"]  # both words in them
    assert main(["explain", "hip", "fractures", "own-7", "--index", three]) == 0
    assert "scores" in capsys.readouterr().out


def test_plain_reads_query_syntax_as_words(three, capsys):
    capsys.readouterr()
    assert main(["search", "falls:(wards", "--index", three]) == 1  # a syntax error as a query
    assert "searchlib: error:" in capsys.readouterr().err
    assert main(["search", "--plain", "falls:(wards", "--index", three]) == 0
    ids = set(_table_ids(capsys.readouterr().out).values())
    assert ids == {"10.9/a"}  # the paper with both words in it
    assert main(["search", "--plain", "--any", "fractures OR wards", "--index", three]) == 0
    assert set(_table_ids(capsys.readouterr().out).values()) == {"10.9/a", "pmid:123", "own-7"}


@pytest.mark.parametrize("fmt", ["table", "ris"])
def test_a_lower_case_operator_is_warned_of(three, capsys, fmt):
    capsys.readouterr()
    assert main(["search", "falls or fractures", "--index", three, "--format", fmt]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == ["searchlib: warning: 'or' was searched as a word; did you mean OR?"]
    assert "warning" not in out


def test_control_characters_in_records_reach_no_terminal(in_tmp, capsys):
    """A record can carry ESC sequences (clear the screen, retitle the window) or a right-to-left override."""
    evil = {"doi": "10.9/evil", "title": "Falls \x1b[2J\x1b]0;owned\x07 on \u202edraw",
            "authors": ["Roe \x1b[31mJ"], "abstract": "METHODS: Falls \x1b[31mcounted\x9b here."}  # fmt: skip
    (in_tmp / "evil.jsonl").write_bytes(orjson.dumps(evil))
    assert main(["index", "evil.jsonl", "--index", "ix"]) == 0
    for argv in (["search", "falls"], ["show", "10.9/evil"], ["similar", "10.9/evil"]):
        capsys.readouterr()
        assert main([*argv, "--index", "ix"]) == 0
        out = capsys.readouterr().out
        assert not re.search("[\x1b\x07\x9b\u202e]", out), (argv, out)
        assert "Falls" in out or "0 papers" in out
    assert "\x1b" not in repr(open_index("ix").search("falls"))


def test_explain_any_says_which_search_score_it_explains(three, capsys):
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    assert "as search --any --no-feedback" in " ".join(capsys.readouterr().out.split())
    assert main(["search", "--any", "--no-feedback", "hip falls", "--index", three]) == 0
    score = next(row[1] for row in _rows(capsys.readouterr().out) if row[-1] == "own-7")
    assert main(["explain", "--any", "hip falls", "own-7", "--index", three]) == 0
    explained = re.search(r"own-7 scores (\d+\.\d+)", capsys.readouterr().out)
    assert explained and f"{float(explained.group(1)):.2f}" == score


def test_an_excluded_word_split_by_the_shell_says_how_to_pass_it(three, capsys):
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["search", "falls", "-older", "--index", three])
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "quote the whole query" in err and "put -- before it" in err
    assert main(["search", "--index", three, "--", "falls", "-older"]) == 0  # as the message says
    assert sorted(_table_ids(capsys.readouterr().out).values()) == ["own-7"]  # the paper without "older"


# -- errors: one line, a non-zero exit ----------------------------------------------------------------------------


#: Commands with a mistake in their arguments, one per item (split at spaces).
MISTAKES = [
    *("", "frobnicate", "search", "search x --format docx", "search x --sort random", "export --format pdf"),
    *(f"search x --limit {n}" for n in ("0", "-1", "ten")),
    *(f"search x --year {years}" for years in ("20x", "2024-2020")),
    "similar 10.9/a --limit 0",
    *(f"index f.json {option}" for option in ("--from word", "--procs 0", "--batch-size -5", "--wait -1")),
]


@pytest.mark.parametrize("argv", MISTAKES)
def test_a_mistake_in_the_arguments_is_one_line(in_tmp, capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        main(argv.split())
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith("searchlib: error: ")
    assert "--help" in err  # where to read what is expected


def test_failures_outside_searchlib_are_one_line_too(in_tmp, capsys, seed_path, monkeypatch):
    (in_tmp / "a-file").write_text("not a folder")
    assert main(["index", str(seed_path), "--index", str(in_tmp / "a-file" / "ix")]) == 1  # the OS refuses
    assert main(["search", "x", "--index", "ix0"]) == 1

    def broken(*args, **kwargs):
        raise ValueError("first line\nsecond line")

    monkeypatch.setattr("searchlib.index.Index.stats", broken)
    assert main(["index", str(seed_path), "--index", "ix"]) == 0
    capsys.readouterr()
    assert main(["stats", "--index", "ix"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("searchlib: error: unexpected ValueError: first line") and "report" in err
    assert len(err.splitlines()) == 1


def test_a_warning_is_one_line(in_tmp, capsys, seed_path):
    import socket

    from searchlib._engine.storage import LOCK_FILE

    assert main(["index", str(seed_path), "--index", "ix"]) == 0
    # A lock left by a process that has ended (the pid now names another process, started at another time).
    dead = {"pid": os.getppid(), "host": socket.gethostname(), "start": -1, "since": "2020-01-01T00:00:00"}
    (in_tmp / "ix" / LOCK_FILE).write_bytes(orjson.dumps(dead))
    capsys.readouterr()
    assert main(["delete", HYBRID, "--index", "ix"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("searchlib: warning: ") and "stale write lock" in err[0]


# -- indexing: nothing found, unreadable files --------------------------------------------------------------------


def test_indexing_no_records_is_an_error_and_writes_nothing(in_tmp, capsys):
    (in_tmp / "x.json").write_bytes(orjson.dumps({"title": "A paper", "doi": "10.9/x"}))
    (in_tmp / "empty.json").write_bytes(b"")
    assert main(["index", "--from", "pubmed", "x.json", "--index", "ix"]) == 1
    assert main(["index", "empty.json", "--index", "ix"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("searchlib: error: no records found in x.json as pubmed; ")
    assert err[1].startswith("searchlib: error: no records found in empty.json")
    assert len(err) == 2 and not (in_tmp / "ix").exists()
    assert main(["index", "x.json", "--index", "ix"]) == 0  # read as what it is, it has one


def test_skip_errors_skips_unreadable_files_and_goes_on(in_tmp, capsys, seed_path):
    (in_tmp / "binary.dat").write_bytes(bytes(range(256)) * 4)
    (in_tmp / "empty.json").write_bytes(b"")
    (in_tmp / "folder").mkdir()
    bad = ["missing.json", "binary.dat", "empty.json", "folder"]
    files = [bad[0], str(seed_path), *bad[1:], str(FIXTURES / "malformed.txt")]
    assert main(["index", *files, "--index", "ix"]) == 1  # without --skip-errors: the first, and nothing written
    assert "missing.json: no such file" in capsys.readouterr().err and not (in_tmp / "ix").exists()
    assert main(["index", *files, "--index", "ix", "--skip-errors"]) == 0
    out, err = capsys.readouterr()
    assert "12 records indexed from 2 files (4 files and 3 malformed records skipped); 12 papers" in out
    listed = err.split("skipped 4 files:\n")[1].split("skipped 3 malformed records:")[0].splitlines()
    assert sorted(next(name for name in bad if name in line) for line in listed) == sorted(bad)
    assert len(list(open_index(in_tmp / "ix"))) == 12


def test_skipping_every_file_is_an_error(in_tmp, capsys):
    assert main(["index", "missing.json", "gone.ris", "--index", "ix", "--skip-errors"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "skipped 2 files:" and err[-1].startswith("searchlib: error: no records to index")
    assert not (in_tmp / "ix").exists()


# -- the bundled sample, said every time --------------------------------------------------------------------------

NOTICE = "searching the 10 bundled sample records; use --index DIR or SEARCHLIB_INDEX for your own"


def test_searching_the_bundled_sample_says_so_every_time(in_tmp, capsys, seed_path, monkeypatch):
    for _ in range(2):
        assert main(["search", "care"]) == 0
        assert NOTICE in capsys.readouterr().err
    assert main(["similar", HYBRID]) == 0
    assert NOTICE in capsys.readouterr().err
    assert main(["index", str(seed_path), "--index", "mine"]) == 0
    assert main(["search", "care", "--index", "mine"]) == 0  # chosen: no notice
    monkeypatch.setenv("SEARCHLIB_INDEX", "mine")
    assert main(["search", "care"]) == 0
    assert NOTICE not in capsys.readouterr().err


def test_indexing_into_the_default_index_replaces_the_sample(in_tmp, capsys):
    assert main(["search", "care"]) == 0
    (in_tmp / "mine.jsonl").write_bytes(orjson.dumps({"title": "Care at night", "doi": "10.9/night"}))
    assert main(["index", "mine.jsonl"]) == 0
    assert "replacing the bundled sample records" in capsys.readouterr().err
    assert main(["search", "care", "--json"]) == 0
    out, err = capsys.readouterr()
    assert [orjson.loads(line)["doi"] for line in out.splitlines()] == ["10.9/night"] and NOTICE not in err


# -- counts read as English -------------------------------------------------------------------------------------


def test_counts_of_one_are_singular(in_tmp, capsys):
    (in_tmp / "one.jsonl").write_bytes(orjson.dumps({"title": "Falls at night", "doi": "10.9/one"}) + b"\n{x\n")
    assert main(["index", "one.jsonl", "--index", "ix", "--skip-errors"]) == 0
    assert main(["search", "falls", "--index", "ix"]) == 0
    assert main(["delete", "10.9/one", "--index", "ix"]) == 0
    out, err = capsys.readouterr()
    assert "1 record indexed from 1 file (1 malformed record skipped); 1 paper in the index" in out
    assert "skipped 1 malformed record:" in err
    assert "1 paper matches 'falls'" in out
    assert "deleted 1 of 1 paper; 0 papers in ix" in out
    assert not re.search(r"\b1 (papers|records|files)\b|\(s\)|\b[02-9] (paper|record|file)\b", out + err)


# -- one shape for a paper ---------------------------------------------------------------------------------------


def test_search_similar_and_show_print_a_paper_with_the_same_keys(in_tmp, capsys, seed_path):
    assert main(["index", str(seed_path), str(FIXTURES / "formats" / "pubmed.xml"), "--index", "ix"]) == 0
    capsys.readouterr()
    assert main(["search", "care", "--index", "ix", "--json"]) == 0
    searched = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["similar", HYBRID, "--index", "ix", "--json"]) == 0
    similar = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["show", "pmid:28775130", "--index", "ix", "--json"]) == 0
    shown = orjson.loads(capsys.readouterr().out)
    assert searched and similar
    keys = {tuple(hit) for hit in searched + similar}
    assert len(keys) == 1  # the same keys, in the same order, for every hit of both
    assert set(keys.pop()) - set(shown) == {"rank", "score", "highlights"}
    assert {"pmid", "pmcid", "abstract", "sections"} <= set(shown) and shown["pmid"] == "28775130"
    # and a hit, as printed, reads back as the paper in the index
    (in_tmp / "hits.jsonl").write_text("".join(orjson.dumps(h).decode() + "\n" for h in similar))
    assert list(load_records(in_tmp / "hits.jsonl")) == [open_index("ix").get(h["id"]) for h in similar]


def test_index_builds_a_sharded_index_that_search_and_index_use_as_one(in_tmp, capsys):
    idx = str(in_tmp / "sharded")
    medline = str(FIXTURES / "medline" / "medline16n0902-sample.xml.gz")
    assert main(["index", medline, "--index", idx, "--shards", "3"]) == 0
    assert "240 records indexed" in capsys.readouterr().out
    assert sorted(p.name for p in (in_tmp / "sharded").iterdir()) == [
        "shard-000",
        "shard-001",
        "shard-002",
        "shards.json",
    ]
    assert main(["search", "ti:cancer", "--index", idx, "--json", "--limit", "100"]) == 0
    found = [orjson.loads(line)["doi"] for line in capsys.readouterr().out.splitlines()]
    expected = [r.doi for r in load_records(medline) if "cancer" in r.title.lower()]
    assert set(found) == set(expected) and found
    seed = str(FIXTURES / "malformed.txt")
    assert main(["index", seed, "--index", idx, "--skip-errors"]) == 0  # added to the sharded index
    assert main(["stats", "--index", idx, "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out.splitlines()[-1])["papers"] == 242
