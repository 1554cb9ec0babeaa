"""Text whose accents are combining marks (as macOS writes "Mu\u0308ller") is read in composed form, so a word with
an accent is one word, and found as the query's word is."""

from __future__ import annotations

import json
import unicodedata

import searchlib


def _folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def test_decomposed_accents_are_composed_and_found(tmp_path):
    seed = tmp_path / "papers.jsonl"
    rows = [
        {"doi": "10.1/a", "title": "The Mu\u0308ller trial", "authors": ["Pe\u0301rez, Jo\u0308rg"], "year": 2020,
         "abstract": "<p>nai\u0308ve T cells</p>"},
        {"doi": "10.1/b", "title": "A naive cohort", "authors": ["Muller, Anna"], "year": 2021,
         "abstract": "plain"},
    ]  # fmt: skip
    seed.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    ris = tmp_path / "papers.ris"
    ris.write_text(
        "TY  - JOUR\nTI  - Pe\u0301rez and the nai\u0308ve\nAU  - Mu\u0308ller, Jo\u0308rg\n"
        "DO  - 10.1/c\nPY  - 2022\n"
        "AB  - Outcomes in Mu\u0308ller's ward.\nER  - \n",
        encoding="utf-8",
    )
    records = searchlib.load_records(seed) + searchlib.load_records(ris)
    for r in records:
        for text in (r.title, r.abstract, *r.authors):
            assert text == unicodedata.normalize("NFC", text)
            assert not any(unicodedata.combining(c) for c in text)
    index = searchlib.build_index(records)
    for word in ("muller", "müller", "naive", "perez", "jorg"):
        expected = {r.id for r in records if word.replace("ü", "u") in _folded(f"{r.title} {r.abstract}").split()}
        expected |= {r.id for r in records if any(word.replace("ü", "u") in _folded(a) for a in r.authors)}
        found = {h.id for h in index.search(word, limit=None)}
        assert found == expected, word
    assert {h.id for h in index.search("au:muller", limit=None)} == {"10.1/b", "10.1/c"}
