"""PubMed's own fields searched by their tags on real MEDLINE records, each result set compared with the records
an independent reading of the XML (xml.etree) or of the MEDLINE text (a regular expression) says it should be.

Tags: [mh], [mesh], [mesh terms], [majr], [mesh major topic], [sh], [subheading], [mesh subheading], [pt],
[publication type], [la], [language], [ot], [other term], [kw], [keyword], [ad], [affiliation].
"""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

import searchlib
from searchlib import QueryError

FIXTURES = Path(__file__).parent.parent / "fixtures"
MEDLINE = FIXTURES / "medline" / "medline16n0902-sample.xml.gz"
NBIB = FIXTURES / "formats" / "pubmed_fields.nbib"


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


class Paper:
    """What a citation says, read here without searchlib: headings (lower-case) with their qualifiers, etc."""

    def __init__(self, pmid: str) -> None:
        self.pmid = pmid
        self.mesh: list[tuple[str, bool, list[tuple[str, bool]]]] = []
        self.types: set[str] = set()
        self.languages: set[str] = set()
        self.keywords: list[list[str]] = []
        self.affiliations: list[list[str]] = []

    def headings(self) -> set[str]:
        return {h for h, _, _ in self.mesh}

    def pairs(self) -> set[str]:
        return {f"{h}/{q}" for h, _, qs in self.mesh for q, _ in qs}

    def major(self) -> set[str]:
        found = {h for h, major, qs in self.mesh if major or any(m for _, m in qs)}
        return found | {f"{h}/{q}" for h, major, qs in self.mesh for q, m in qs if major or m}

    def qualifiers(self) -> set[str]:
        return {q for _, _, qs in self.mesh for q, _ in qs}


def _from_xml() -> dict[str, Paper]:
    root = ET.fromstring(gzip.decompress(MEDLINE.read_bytes()))
    papers = {}
    for c in root.iter("MedlineCitation"):
        p = papers[c.findtext("PMID")] = Paper(c.findtext("PMID"))
        for h in c.iter("MeshHeading"):
            d = h.find("DescriptorName")
            qs = [(q.text.lower(), q.get("MajorTopicYN") == "Y") for q in h.findall("QualifierName")]
            p.mesh.append((d.text.lower(), d.get("MajorTopicYN") == "Y", qs))
        p.types = {t.text.lower() for t in c.iter("PublicationType")}
        p.languages = {t.text for t in c.iter("Language")}
        p.keywords = [_words("".join(k.itertext())) for k in c.iter("Keyword")]
        p.affiliations = [_words(a.text) for a in c.iter("Affiliation")]
    return papers


def _from_nbib() -> dict[str, Paper]:
    papers = {}
    for block in NBIB.read_text().strip().split("\n\n"):
        lines = re.sub(r"\n {6}", " ", block).split("\n")  # continuation lines joined
        tags = [re.match(r"([A-Z]+) *- (.*)", line).groups() for line in lines]
        p = Paper(next(v for t, v in tags if t == "PMID"))
        for tag, value in tags:
            if tag == "MH":
                head, *quals = value.split("/")
                p.mesh.append((head.lstrip("*").lower(), head.startswith("*"),
                               [(q.lstrip("*").lower(), q.startswith("*")) for q in quals]))  # fmt: skip
            elif tag == "PT":
                p.types.add(value.lower())
            elif tag == "LA":
                p.languages.add(value)
            elif tag == "OT":
                p.keywords.append(_words(value))
            elif tag == "AD":
                p.affiliations.append(_words(value))
        papers[p.pmid] = p
    return papers


SOURCES = {"xml": (MEDLINE, _from_xml), "nbib": (NBIB, _from_nbib)}


@pytest.fixture(scope="module", params=list(SOURCES))
def corpus(request):
    path, read = SOURCES[request.param]
    return searchlib.build_index(path), read()


def found(index, query: str) -> set[str]:
    return {h.record.pmid for h in index.search(query, limit=None)}


def _has_run(lists: list[list[str]], run: list[str]) -> bool:
    return any(words[i : i + len(run)] == run for words in lists for i in range(len(words)))


def _picks(counts: Counter, n: int) -> list[str]:
    """The n most common values and the n rarest, so both many and few papers are compared."""
    common = [v for v, _ in counts.most_common(n)]
    return list(dict.fromkeys(common + [v for v, _ in counts.most_common()[-n:]]))


def test_mh_matches_the_heading_whole(corpus):
    index, papers = corpus
    counts = Counter(h for p in papers.values() for h in p.headings())
    assert counts, "the fixture has MeSH headings"
    for heading in _picks(counts, 6):
        want = {p.pmid for p in papers.values() if heading in p.headings()}
        assert found(index, f'"{heading}"[mh]') == want, heading
        assert found(index, f"{heading.upper()}[mesh]") == want, heading
    some = counts.most_common(1)[0][0]
    assert (
        found(index, f'"{some}"[mesh terms]')
        == found(index, f'"{some}"[mh:noexp]')
        == found(index, f'mesh:"{some}"')
    )


def test_mh_with_a_qualifier_and_sh(corpus):
    index, papers = corpus
    pairs = Counter(pair for p in papers.values() for pair in p.pairs())
    for pair in _picks(pairs, 4):
        want = {p.pmid for p in papers.values() if pair in p.pairs()}
        assert found(index, f"{pair}[mh]") == want, pair
    qualifiers = Counter(q for p in papers.values() for q in p.qualifiers())
    for q in _picks(qualifiers, 4):
        want = {p.pmid for p in papers.values() if q in p.qualifiers()}
        assert found(index, f'"{q}"[sh]') == found(index, f"{q}[subheading]") == want, q
        assert found(index, f'"{q}"[mesh subheading]') == found(index, f'subheading:"{q}"') == want, q


def test_majr_is_a_starred_heading_or_qualifier(corpus):
    index, papers = corpus
    majors = Counter(m for p in papers.values() for m in p.major())
    for value in _picks(majors, 5):
        want = {p.pmid for p in papers.values() if value in p.major()}
        assert found(index, f'"{value}"[majr]') == found(index, f'"{value}"[mesh major topic]') == want, value
        assert found(index, f'majr:"{value}"') == want
        assert want <= found(index, f'"{value}"[mh]')
    not_major = {p.pmid for p in papers.values() if "humans" in p.headings() and "humans" not in p.major()}
    assert not_major and not (not_major & found(index, "humans[majr]"))


def test_pt_and_la(corpus):
    index, papers = corpus
    for pt in {t for p in papers.values() for t in p.types}:
        want = {p.pmid for p in papers.values() if pt in p.types}
        assert found(index, f'"{pt}"[pt]') == found(index, f'"{pt}"[publication type]') == want, pt
    for code, name in (("eng", "english"), ("ita", "italian")):
        want = {p.pmid for p in papers.values() if code in p.languages}
        assert found(index, f"{code}[la]") == found(index, f"{name}[language]") == want
        assert found(index, f"language:{name.upper()}") == want


def test_ot_and_ad_match_words_within_one_value(corpus):
    index, papers = corpus
    words = Counter(w for p in papers.values() for k in p.keywords for w in set(k))
    for word in _picks(words, 4):
        want = {p.pmid for p in papers.values() if _has_run(p.keywords, [word])}
        assert found(index, f"{word}[ot]") == found(index, f"{word}[kw]") == want, word
        assert found(index, f"{word}[other term]") == found(index, f"keywords:{word}") == want, word
    two = next(k[:2] for p in papers.values() for k in p.keywords if len(k) >= 2)
    want = {p.pmid for p in papers.values() if _has_run(p.keywords, two)}
    assert found(index, f'"{" ".join(two)}"[keyword]') == want
    places = Counter(w for p in papers.values() for a in p.affiliations for w in set(a))
    for word in _picks(places, 4):
        want = {p.pmid for p in papers.values() if _has_run(p.affiliations, [word])}
        assert found(index, f"{word}[ad]") == found(index, f"{word}[affiliation]") == want, word


def test_ad_proximity_stays_within_one_affiliation(corpus):
    index, papers = corpus

    def near(lists: list[list[str]], a: str, b: str, n: int) -> bool:
        return any(
            abs(i - j) - 1 <= n
            for ws in lists
            for i, x in enumerate(ws)
            for j, y in enumerate(ws)
            if (x, y) == (a, b)
        )

    for a, b, n in (("university", "medicine", 3), ("department", "university", 5), ("usa", "department", 2)):
        want = {p.pmid for p in papers.values() if near(p.affiliations, a, b, n)}
        assert found(index, f'"{a} {b}"[ad:~{n}]') == want


def test_mesh_explosion_is_refused_and_noexp_is_mh():
    index = searchlib.build_index([{"title": "T", "mesh": ["*Asthma/drug therapy"], "doi": "10.1/a"}])
    with pytest.raises(QueryError, match="MeSH tree is not available offline"):
        index.search("asthma[mh:exp]")
    with pytest.raises(QueryError, match=r"write \[mh\] or \[mh:noexp\]"):
        index.search('"asthma drug"[mh:~2]')
    assert len(index.search("asthma[mh:noexp]")) == len(index.search("asthma/drug therapy[majr]")) == 1
    assert len(index.search("humans[mh]")) == 0


def test_facets_and_filters_count_the_fields(corpus):
    index, papers = corpus
    results = index.search("humans[mh]", limit=None)
    matched = [papers[h.record.pmid] for h in results]
    types = Counter(t for p in matched for t in p.types)
    assert {k.lower(): v for k, v in results.facets("pt").items()} == dict(types)
    assert results.facets("language") == results.facets("la")
    assert sum(results.facets("language").values()) == len(matched)
    mesh = results.facets("mesh")
    assert {k.lower(): v for k, v in mesh.items()} == dict(Counter(h for p in matched for h in p.headings()))
    italian = {p.pmid for p in papers.values() if "ita" in p.languages}
    assert {h.record.pmid for h in index.search("year:>1000", limit=None, language=["ita"])} == italian
    reviews = {p.pmid for p in papers.values() if "review" in p.types and "eng" in p.languages}
    got = index.search("year:>1000", limit=None, publication_type="Review", language="English")
    assert {h.record.pmid for h in got} == reviews
