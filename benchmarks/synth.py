"""Larger corpora for the speed benchmark, made deterministically from real records.

Titles, sentences, section labels, author names and journal names are sampled (with a fixed seed) from every
``records.jsonl`` and ``corpus.jsonl`` under the data folder. About 40% of the generated abstracts are
structured in the seed's HTML form (``<p><strong>Methods: </strong>...</p>``) with labels seen in real
abstracts; the rest are plain text. Each record gets 1-8 authors, a journal and a publication date between 1990
and 2025, and a synthetic DOI, so the same ``n`` and seed always give the same records.

    python benchmarks/synth.py 50000 out.jsonl
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, read_jsonl  # noqa: E402

SEED = 20240517
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_LABEL = re.compile(r"<strong>\s*([^<]{2,40}?)\s*:?\s*</strong>")
_TAGS = re.compile(r"<[^>]+>")
_STRUCTURE = ["Background", "Objective", "Methods", "Results", "Conclusions"]


class Pools:
    """What generated records are made of: real titles, sentences, labels, names and journals."""

    def __init__(self, data: Path = DATA) -> None:
        titles: set[str] = set()
        sentences: set[str] = set()
        labels: set[str] = set()
        authors: set[str] = set()
        journals: set[str] = set()
        files = sorted(data.rglob("records.jsonl")) + sorted(data.rglob("corpus.jsonl"))
        for path in files:
            for obj in read_jsonl(path):
                if isinstance(obj.get("title"), str) and len(obj["title"]) > 10:
                    titles.add(_TAGS.sub("", obj["title"]).strip())
                text = obj.get("abstract") or obj.get("text") or ""
                if not isinstance(text, str):
                    continue
                labels.update(m.strip() for m in _LABEL.findall(text))
                plain = _TAGS.sub(" ", text)
                sentences.update(s.strip() for s in _SENTENCE.split(plain) if 20 <= len(s.strip()) <= 400)
                if isinstance(obj.get("authors"), str):
                    authors.update(a.strip() for a in obj["authors"].split(",") if 3 <= len(a.strip()) <= 40)
                journal = obj.get("journal")
                name = journal.get("name") if isinstance(journal, dict) else journal
                if isinstance(name, str) and name:
                    journals.add(name)
        # Sorted first, so the pools (and so the records) do not depend on set order.
        self.titles = sorted(titles)
        self.sentences = sorted(sentences)
        self.labels = sorted(labels) or _STRUCTURE
        self.authors = sorted(authors)
        self.journals = sorted(journals) or ["Journal of Synthetic Results"]


def records(n: int, seed: int = SEED, pools: Pools | None = None) -> Iterator[dict]:
    """``n`` records in the seed's JSON shape; the same ``n`` and ``seed`` give the same records."""
    pools = pools or Pools()
    rng = random.Random(seed)
    for i in range(n):
        k = rng.randint(4, 12)
        body = rng.sample(pools.sentences, k)
        if rng.random() < 0.4:
            parts = min(len(body), rng.randint(3, 5))
            labels = [rng.choice(pools.labels) if rng.random() < 0.5 else _STRUCTURE[j % 5] for j in range(parts)]
            chunks = [body[j::parts] for j in range(parts)]
            abstract = "".join(
                f"<p><strong>{label}: </strong>{' '.join(chunk)}</p>"
                for label, chunk in zip(labels, chunks, strict=True)
            )
        else:
            abstract = " ".join(body)
        year = rng.randint(1990, 2025)
        yield {
            "title": rng.choice(pools.titles),
            "authors": ", ".join(rng.sample(pools.authors, rng.randint(1, 8))),
            "doi": f"10.5555/synth.{seed}.{i}",
            "abstract": abstract,
            "journal": {"name": rng.choice(pools.journals)},
            "publicationDate": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        }


def main() -> None:
    n, out = int(sys.argv[1]), Path(sys.argv[2])
    with open(out, "wb") as f:
        for record in records(n):
            f.write(orjson.dumps(record) + b"\n")


if __name__ == "__main__":
    main()
