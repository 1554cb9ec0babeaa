"""Progress callbacks and the CLI's progress bar."""

from __future__ import annotations

import io
import random

from searchlib import build_index, bundled_records_path, load_records, open_index
from searchlib.cli import main
from searchlib.progress import ProgressBar


def _records(n: int) -> list[dict]:
    return [
        {"title": f"Trial number {i} of falls prevention", "doi": f"10.1/p{i}", "abstract": f"Falls {i} fell."}
        for i in range(n)
    ]


def test_build_reports_progress_up_to_the_total() -> None:
    calls: list[tuple[int, int]] = []
    index = build_index(_records(250), progress=lambda done, total: calls.append((done, total)))
    assert len(index) == 250
    assert calls[0] == (0, 250) and calls[-1] == (250, 250)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_add_in_batches_reports_progress_and_adds_everything(tmp_path) -> None:
    index = build_index(bundled_records_path(), tmp_path / "ix")
    calls: list[tuple[int, int]] = []
    assert index.add(_records(230), batch_size=100, progress=lambda d, t: calls.append((d, t))) == 230
    assert calls[-1] == (230, 230)
    assert len(open_index(tmp_path / "ix")) == 240
    assert open_index(tmp_path / "ix").get("10.1/p229").title == "Trial number 229 of falls prevention"


def test_progress_bar_shows_rate_and_time_left() -> None:
    out = io.StringIO()
    times = iter([0.0, 10.0, 20.0])
    bar = ProgressBar(out, clock=lambda: next(times))
    bar(0, 3000)
    bar(1000, 3000)
    bar(3000, 3000)
    text = out.getvalue()
    assert "1,000/3,000 (33%), 100 records/s, about 0:00:20 left" in text
    assert text.endswith("\n") and "writing the index" in text


def test_cli_progress_bar_on_request(tmp_path, capsys) -> None:
    records = tmp_path / "records.jsonl"
    import orjson

    records.write_bytes(b"\n".join(orjson.dumps(r) for r in _records(300)))
    assert main(["index", str(records), "--index", str(tmp_path / "ix"), "--progress"]) == 0
    err = capsys.readouterr().err
    assert "indexing: 300/300 (100%)" in err
    assert main(["index", str(records), "--index", str(tmp_path / "ix2")]) == 0
    assert "indexing" not in capsys.readouterr().err  # not a terminal, no --progress: quiet
    assert len(load_records(records)) == 300


def test_total_counts_every_match_even_when_the_search_skips_blocks() -> None:
    # 2,000 papers mention falls; the top ten mention it six times, so a top-10 search skips whole blocks.
    records = [
        {
            "title": f"Paper {i}",
            "doi": f"10.1/p{i}",
            "abstract": "Older adults had falls at home. " * (6 if i % 7 == 0 else 1) + f"Site w{i % 50}.",
        }
        for i in range(2000)
    ]
    index = build_index(records)
    assert index.search("falls").total == 2000
    assert index.search("falls NOT w5").total == 1960


def test_a_not_query_finds_the_true_top_hits_after_an_add(tmp_path) -> None:
    rng = random.Random(0)
    words = "cancer tumour mice cells growth patients therapy trial risk dose".split()
    records = [
        {
            "title": f"Paper {i}",
            "doi": f"10.1/p{i}",
            "abstract": " ".join(rng.choices(words, k=rng.randint(5, 80))),
        }
        for i in range(3000)
    ]
    index = build_index(records[:2000], tmp_path / "ix", procs=1)
    index.add(records[2000:])
    assert index.stats()["segments"] == 2
    for query in ("(cancer OR tumour) NOT mice", "(cells OR growth) NOT mice"):
        every = [round(h.score, 6) for h in index.search(query, limit=None)]
        assert [round(h.score, 6) for h in index.search(query, limit=10)] == every[:10]
