"""Every construct of the query language (docs/guide/queries.md) returns exactly the papers an independent matcher
finds in the records' own text (:mod:`tests.search.oracle`), on real MEDLINE records, the bundled seed records and
PubMed XML with PMCIDs. Each test compares the SET of paper ids; the counts are never typed in.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import searchlib
from searchlib import QueryError
from searchlib.analysis.written import SECTION_GAP
from searchlib.cli import main
from searchlib.search.lexer import MAX_DISTANCE
from tests.search import oracle as O

FIXTURES = Path(__file__).parent.parent / "fixtures"
MEDLINE = FIXTURES / "medline" / "medline16n0902-sample.xml.gz"
SOURCES = [MEDLINE, searchlib.bundled_records_path(), FIXTURES / "formats" / "pubmed.xml"]
TIAB = ("title", "abstract")

Predicate = Callable[[O.Doc], bool]

# The records are read once at import: the property tests draw their words and phrases from them.
RECORDS = [r for source in SOURCES for r in searchlib.load_records(source)]
ORACLE = O.Oracle(O.docs(RECORDS))
MEDLINE_ORACLE = O.Oracle(O.docs(searchlib.load_records(MEDLINE)))


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    built = searchlib.build_index(SOURCES, tmp_path_factory.mktemp("semantics") / "all")
    yield built
    built.close()


@pytest.fixture(scope="module")
def medline_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("semantics") / "medline"
    searchlib.build_index(MEDLINE, path).close()
    return path


@pytest.fixture(scope="module")
def medline_index(medline_dir):
    opened = searchlib.open_index(medline_dir)
    yield opened
    opened.close()


def found(index, query: str, **kwargs) -> frozenset[str]:
    if kwargs.get("match") == "any":
        kwargs.setdefault("feedback", False)  # feedback adds words: the set asked for is the query's own
    return frozenset(hit.id for hit in index.search(query, limit=None, **kwargs))


def same(index, query: str, predicate: Predicate, *, oracle: O.Oracle = ORACLE, nonempty: bool = True, **kwargs):
    """The library finds exactly the papers the oracle finds (and, with ``nonempty``, some)."""
    want = oracle.find(predicate)
    got = found(index, query, **kwargs)
    assert got == want, f"{query!r}: {len(got)} found, {len(want)} expected; extra {sorted(got - want)[:5]}, " \
        f"missing {sorted(want - got)[:5]}"  # fmt: skip
    if nonempty:
        assert want, f"{query!r}: the fixtures hold no paper it should find"
    return want


def AND(*ps: Predicate) -> Predicate:  # noqa: N802
    return lambda d: all(p(d) for p in ps)


def OR(*ps: Predicate) -> Predicate:  # noqa: N802
    return lambda d: any(p(d) for p in ps)


def NOT(p: Predicate, q: Predicate) -> Predicate:  # noqa: N802
    return lambda d: p(d) and not q(d)


# -- the table: each row's count through the library and the command line ----------------------------------------

TABLE: list[tuple[str, Predicate]] = [
    ("randomi*[tiab]", O.phrase("randomi*", TIAB)),
    ("phosphorylat*[tiab]", O.phrase("phosphorylat*", TIAB)),
    ("organi*[tiab]", O.phrase("organi*", TIAB)),
    ("characteri*[tiab]", O.phrase("characteri*", TIAB)),
    ("randomi?ed[tiab]", O.phrase("randomi?ed", TIAB)),
    ('"follow-up"', O.phrase("follow-up")),
    ('"follow up"', O.phrase("follow up")),
    ('"cross-sectional"', O.phrase("cross-sectional")),
    ('"cross sectional"', O.phrase("cross sectional")),
    ('"well being"', O.phrase("well being")),
    ('"well-being"', O.phrase("well-being")),
    ('"aim of this"[tiab]', O.phrase("aim of this", TIAB)),
    ("cancer -breast", NOT(O.bare("cancer"), O.bare("breast"))),
    ("cancer NOT breast", NOT(O.bare("cancer"), O.bare("breast"))),
    ('"randomized"', O.phrase("randomized")),
    ("Title:cancer", O.bare("cancer", ("title",))),
    ('"atrial fibrillation"[tiab:~3]', O.proximity([["atrial"], ["fibrillation"]], 3, fields=TIAB)),
    ("Ou SH[au]", O.author("Ou SH")),
    ("Lau DH[au]", O.author("Lau DH")),
    ("Mok VC[au]", O.author("Mok VC")),
]


def _identifier_rows() -> list[tuple[str, Predicate]]:
    """A bare PMID and a DOI URL of papers in the MEDLINE sample."""
    with_doi = next(r for r in searchlib.load_records(MEDLINE) if r.doi and "(" not in r.doi)
    pmid = next(r for r in searchlib.load_records(MEDLINE) if r.pmid).pmid
    return [
        (str(pmid), lambda d: d.pmid == pmid),
        (f"https://doi.org/{with_doi.doi}", lambda d: d.doi == with_doi.doi),
    ]


ROWS = TABLE + _identifier_rows()


@pytest.mark.parametrize(("query", "predicate"), ROWS, ids=[q for q, _ in ROWS])
def test_table_library(medline_index, query, predicate):
    same(medline_index, query, predicate, oracle=MEDLINE_ORACLE)


@pytest.mark.parametrize(("query", "predicate"), ROWS, ids=[q for q, _ in ROWS])
def test_table_cli(medline_dir, capsys, query, predicate):
    assert main(["search", query, "--index", str(medline_dir), "--limit", "1000", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert frozenset(orjson.loads(line)["id"] for line in lines) == MEDLINE_ORACLE.find(predicate)


@pytest.mark.parametrize(
    ("one", "other"),
    [('"follow-up"', '"follow up"'), ('"cross-sectional"', '"cross sectional"'), ('"well being"', '"well-being"'),
     ("cancer -breast", "cancer NOT breast")],
)  # fmt: skip
def test_table_pairs_are_one_set(medline_index, one, other):
    assert found(medline_index, one) == found(medline_index, other)


def test_quoted_word_is_not_stemmed(medline_index):
    """ "randomized" finds the word as written, not every word stemmed to "random" ("random variables")."""
    quoted = found(medline_index, '"randomized"')
    stemmed = found(medline_index, "randomized")
    random_only = MEDLINE_ORACLE.find(NOT(O.phrase("random"), O.phrase("randomized")))
    assert random_only and not quoted & random_only
    assert stemmed & random_only  # the bare word is stemmed: "random" matches it


# -- words --------------------------------------------------------------------------------------------------------

BARE = ["cancer", "randomised", "randomized", "hospitalizations", "interviews", "Tumour", "patients", "COVID-19",
        "naïve", "NF-κB", "follow-up", "cross-sectional", "signalling", "T-cells"]  # fmt: skip


@pytest.mark.parametrize("word", BARE)
def test_bare_word_in_default_fields(index, word):
    same(index, word, O.bare(word), nonempty=word not in ("COVID-19", "T-cells"))


@pytest.mark.parametrize(
    ("query", "word", "fields"),
    [("title:cancer", "cancer", ("title",)), ("ti:randomised", "randomised", ("title",)),
     ("abstract:randomised", "randomised", ("abstract",)), ("methods:randomised", "randomised", ("methods",)),
     ("results:mortality", "mortality", ("results",)), ("conclusions:patients", "patients", ("conclusions",)),
     ("background:cancer", "cancer", ("background",)), ("objective:determine", "determine", ("objective",)),
     ("aims:determine", "determine", ("objective",)), ("findings:mortality", "mortality", ("results",)),
     ("au:lau", "lau", ("authors",)), ("cancer[ti]", "cancer", ("title",)),
     ("cancer[ab]", "cancer", ("abstract",)),
     ("cancer[tiab]", "cancer", TIAB), ("cancer[all]", "cancer", O.DEFAULT)],
)  # fmt: skip
def test_bare_word_in_a_field(index, query, word, fields):
    same(index, query, O.bare(word, fields))


QUOTED = ["randomized", "randomised", "Tumour", "naive", "NF-κB", "nf-kappab", "wellbeing", "followup",
          "covid-19", "95%", "mice", "signaling"]  # fmt: skip


@pytest.mark.parametrize("word", QUOTED)
def test_quoted_word(index, word):
    same(index, f'"{word}"', O.phrase(word), nonempty=word not in ("covid-19",))


@pytest.mark.parametrize(
    ("query", "pattern", "fields"),
    [("randomi*", "randomi*", O.DEFAULT), ("rand*ed", "rand*ed", O.DEFAULT),
     ("*sectional", "*sectional", O.DEFAULT),
     ("randomi?ed", "randomi?ed", O.DEFAULT), ("behavio?r", "behavio?r", O.DEFAULT),
     ("tumo?r*", "tumo?r*", O.DEFAULT), ("hospital*[tiab]", "hospital*", TIAB),
     ("random*[ti]", "random*", ("title",)),
     ("random*[ab]", "random*", ("abstract",)), ("results:random*", "random*", ("results",)),
     ("methods:random*", "random*", ("methods",)), ("*ectomy[tiab]", "*ectomy", TIAB),
     ("naïv*", "naïv*", O.DEFAULT), ("follow-u*", "follow-u*", O.DEFAULT), ("non-smal*", "non-smal*", O.DEFAULT),
     ("au:varella*", "varella*", ("authors",))],
)  # fmt: skip
def test_truncation(index, query, pattern, fields):
    same(index, query, O.phrase(pattern, fields))


def test_a_question_mark_ending_a_word_is_punctuation(index):
    question = "is the risk of stroke lower after ablation?"
    assert found(index, question) == found(index, question[:-1])
    assert found(index, "randomi?ed[tiab] AND atrial fibrillation?") == found(
        index, "randomi?ed[tiab] AND atrial fibrillation"
    )


# -- phrases ------------------------------------------------------------------------------------------------------

PHRASES = [
    ("aim of this", O.DEFAULT), ("follow-up", O.DEFAULT), ("follow up", O.DEFAULT), ("followup", O.DEFAULT),
    ("non-small cell", O.DEFAULT), ("non small cell", O.DEFAULT), ("nonsmall cell", O.DEFAULT),
    ("non-small cell lung cancer", O.DEFAULT), ("well-being", O.DEFAULT), ("well being", O.DEFAULT),
    ("cross-sectional study", O.DEFAULT), ("in patients with", TIAB), ("randomized controlled trial", ("title",)),
    ("randomised controlled", ("abstract",)), ("the aim of this study", ("objective",)),
    ("were randomized", ("methods",)), ("NF-κB", O.DEFAULT), ("randomi* controlled", TIAB),
    ("randomi?ed controlled", TIAB), ("cross sectional stud*", ("title",)), ("patients with", ("conclusions",)),
]  # fmt: skip


def _phrase_query(text: str, fields: Sequence[str]) -> str:
    if tuple(fields) == O.DEFAULT:
        return f'"{text}"'
    if tuple(fields) == TIAB:
        return f'"{text}"[tiab]'
    return f'{fields[0]}:"{text}"'


@pytest.mark.parametrize(("text", "fields"), PHRASES, ids=[f"{t}-{'/'.join(f)}" for t, f in PHRASES])
def test_phrase(index, text, fields):
    same(index, _phrase_query(text, fields), O.phrase(text, fields))


def test_hyphen_space_and_nothing_are_one_phrase(index):
    for forms in (["follow-up", "follow up", "followup"], ["non-small cell", "non small cell", "nonsmall cell"],
                  ["well-being", "well being", "wellbeing"], ["cross-sectional", "cross sectional"]):  # fmt: skip
        sets = {form: found(index, f'"{form}"') for form in forms}
        assert len(set(sets.values())) == 1, sets


def _section_boundaries() -> list[tuple[str, str]]:
    """Phrases of the last two words of a section and the first two of the next, in the fixtures' records."""
    out = []
    for r in RECORDS:
        for a, b in itertools.pairwise(r.sections):
            left, right = O.words(a.text)[-2:], O.words(b.text)[:2]
            if len(left) == 2 and len(right) == 2 and all(w.isalpha() for w in left + right):
                out.append((" ".join(left + right), a.category if a.category == b.category else "abstract"))
    return out[:: max(1, len(out) // 25)]


@pytest.mark.parametrize(("text", "field"), _section_boundaries())
def test_a_phrase_never_runs_from_one_section_into_the_next(index, text, field):
    same(index, f'{field}:"{text}"', O.phrase(text, (field,)), nonempty=False)
    same(index, f'"{text}"', O.phrase(text), nonempty=False)


# -- proximity ----------------------------------------------------------------------------------------------------

PROXIMITY: list[tuple[str, list[list[str]], int, bool, Sequence[str]]] = [
    ('"atrial fibrillation"~0', [["atrial"], ["fibrillation"]], 0, False, O.DEFAULT),
    ('"fibrillation atrial"~2', [["fibrillation"], ["atrial"]], 2, False, O.DEFAULT),
    ('"patients cancer"~3', [["patients"], ["cancer"]], 3, False, O.DEFAULT),
    ('"cell lung cancer"~1', [["cell"], ["lung"], ["cancer"]], 1, False, O.DEFAULT),
    ('"non-small lung"~2', [["non-small"], ["lung"]], 2, False, O.DEFAULT),
    ('"study patients"[ab:~20]', [["study"], ["patients"]], 20, False, ("abstract",)),
    ('"study patients"[ab:~40]', [["study"], ["patients"]], 40, False, ("abstract",)),
    ('"patients results"[tiab:~15]', [["patients"], ["results"]], 15, False, TIAB),
    ('"study patients"[ti:~5]', [["study"], ["patients"]], 5, False, ("title",)),
    ('"randomi* trial*"[tiab:~3]', [["randomi*"], ["trial*"]], 3, False, TIAB),
    ("cancer NEAR/3 (lung OR breast)", [["cancer"], ["lung", "breast"]], 3, False, O.DEFAULT),
    ("cancer NEXT/3 (lung OR breast)", [["cancer"], ["lung", "breast"]], 3, True, O.DEFAULT),
    ("(lung OR breast) NEXT/1 cancer", [["lung", "breast"], ["cancer"]], 1, True, O.DEFAULT),
    ("lung ADJ2 cancer", [["lung"], ["cancer"]], 1, False, O.DEFAULT),
    ("cancer ADJ3 lung", [["cancer"], ["lung"]], 2, False, O.DEFAULT),
    ("lung ADJ cancer", [["lung"], ["cancer"]], 0, True, O.DEFAULT),
    ("random* NEAR/2 trial*", [["random*"], ["trial*"]], 2, False, O.DEFAULT),
    ("follow NEAR/0 up", [["follow"], ["up"]], 0, False, O.DEFAULT),
    ("title:(cancer NEAR/5 patients)", [["cancer"], ["patients"]], 5, False, ("title",)),
]


@pytest.mark.parametrize(
    ("query", "slots", "distance", "ordered", "fields"), PROXIMITY, ids=[p[0] for p in PROXIMITY]
)
def test_proximity(index, query, slots, distance, ordered, fields):
    same(index, query, O.proximity(slots, distance, ordered, fields))


def _same_section_neighbours() -> list[tuple[str, int]]:
    """Two words, the last of one section and the first of the next of the same kind: no distance joins them."""
    out = []
    for r in RECORDS:
        for a, b in itertools.pairwise(r.sections):
            left, right = O.words(a.text)[-1:], O.words(b.text)[:1]
            if a.category == b.category and left and right and (left + right)[0].isalpha():
                out.append((f"{left[0]} {right[0]}", 30))
    return out[:10]


@pytest.mark.parametrize(("text", "distance"), _same_section_neighbours())
def test_proximity_never_runs_from_one_section_into_the_next(index, text, distance):
    a, b = text.split()
    same(
        index, f'"{text}"[ab:~{distance}]', O.proximity([[a], [b]], distance, fields=("abstract",)), nonempty=False
    )


def test_sections_are_further_apart_than_any_proximity():
    assert MAX_DISTANCE < SECTION_GAP


def test_proximity_is_refused_beyond_its_bound(index):
    with pytest.raises(QueryError, match=r"column 1.*at most"):
        index.search('"atrial fibrillation"~5000')
    with pytest.raises(QueryError, match=r"NEAR/5000 at column 7.*at most"):
        index.search("heart NEAR/5000 failure")


# -- boolean ------------------------------------------------------------------------------------------------------

CANCER, LUNG, PATIENTS, BREAST = (O.bare(w) for w in ("cancer", "lung", "patients", "breast"))

BOOLEAN: list[tuple[str, Predicate, dict]] = [
    ("cancer AND lung", AND(CANCER, LUNG), {}),
    ("cancer lung", AND(CANCER, LUNG), {}),
    ("cancer OR lung", OR(CANCER, LUNG), {}),
    ("cancer OR lung AND patients", AND(OR(CANCER, LUNG), PATIENTS), {}),
    ("(cancer OR lung) AND patients", AND(OR(CANCER, LUNG), PATIENTS), {}),
    ("cancer OR (lung AND patients)", OR(CANCER, AND(LUNG, PATIENTS)), {}),
    ("patients NOT cancer OR lung", OR(NOT(PATIENTS, CANCER), LUNG), {}),
    ("patients AND cancer NOT breast", NOT(AND(PATIENTS, CANCER), BREAST), {}),
    ("patients NOT (cancer OR lung)", NOT(PATIENTS, OR(CANCER, LUNG)), {}),
    ("cancer -breast", NOT(CANCER, BREAST), {}),
    ("-breast cancer", NOT(CANCER, BREAST), {}),
    ("cancer -(breast OR lung)", NOT(CANCER, OR(BREAST, LUNG)), {}),
    ('cancer -"lung cancer"', NOT(CANCER, O.phrase("lung cancer")), {}),
    ("cancer lung", OR(CANCER, LUNG), {"match": "any"}),
    ("+cancer lung", CANCER, {"match": "any"}),
    ("+cancer +lung patients", AND(CANCER, LUNG), {"match": "any"}),
    ("+cancer -lung patients", NOT(CANCER, LUNG), {"match": "any"}),
    ("cancer lung AND patients", AND(OR(CANCER, LUNG), PATIENTS), {"match": "any"}),
    ("cancer lung NOT breast", NOT(OR(CANCER, LUNG), BREAST), {"match": "any"}),
    ("cancer AND -breast", NOT(CANCER, BREAST), {}),
    ("patients AND cancer AND -(breast OR lung)", NOT(AND(PATIENTS, CANCER), OR(BREAST, LUNG)), {}),
    ("cancer lung AND -breast", NOT(OR(CANCER, LUNG), BREAST), {"match": "any"}),
    (
        'title:cancer AND "non-small cell" AND year:2015',
        AND(O.bare("cancer", ("title",)), O.phrase("non-small cell"), O.year_between(2015, 2015)),
        {},
    ),  # fmt: skip
]


@pytest.mark.parametrize(("query", "predicate", "kwargs"), BOOLEAN, ids=[f"{q}-{k}" for q, _, k in BOOLEAN])
def test_boolean(index, query, predicate, kwargs):
    same(index, query, predicate, **kwargs)


def test_one_precedence_read_left_to_right(index):
    assert found(index, "cancer OR lung AND patients") == found(index, "(cancer OR lung) AND patients")
    assert found(index, "cancer OR lung AND patients") != found(index, "cancer OR (lung AND patients)")


def test_lowercase_operators_are_words_with_a_warning(index):
    results = index.search("cancer or lung", limit=None)
    assert results.warnings == ("'or' was searched as a word; did you mean OR?",)
    assert {h.id for h in results} == ORACLE.find(AND(CANCER, LUNG))  # "or" is a stopword: dropped
    assert index.search("cancer and lung").warnings == ("'and' was searched as a word; did you mean AND?",)
    assert index.search("cancer OR lung").warnings == ()


def test_a_text_stopword_is_no_author_requirement(index):
    """A word that titles and abstracts cannot search (a stopword) is dropped, not searched in authors only."""
    for word in ("may", "can", "will", "more"):
        assert found(index, f"cancer {word}") == found(index, "cancer"), word


# -- authors ------------------------------------------------------------------------------------------------------

AUTHORS = [
    ('au:"Lau DH"', "Lau DH"), ("lau dh[au]", "Lau DH"), ("Lau D[au]", "Lau D"), ("Lau DHM[au]", "Lau DHM"),
    ("Ou S[au]", "Ou S"), ("Ou SH[au]", "Ou SH"), ("Ou SHI[au]", "Ou SHI"), ("Mok VC[au]", "Mok VC"),
    ("Mok V[au]", "Mok V"), ("Mok VCT[au]", "Mok VCT"), ("Lau[au]", "Lau"), ("au:lau", "Lau"),
    ('au:"Sai-Hong Ou"', "Sai-Hong Ou"), ('au:"Sai\u2010Hong Ou"', "Sai-Hong Ou"),
    ('au:"Derick Lau"', "Derick Lau"), ("Vincent C T Mok[au]", "Vincent C T Mok"),
    ("Varella-Garcia M[au]", "Varella-Garcia M"), ("Varella Garcia M[au]", "Varella Garcia M"),
    ("Varella\u2013Garcia M[au]", "Varella-Garcia M"), ("Varella\u2010Garcia M[au]", "Varella-Garcia M"),
    ("Piwnica-Worms D[au]", "Piwnica-Worms D"), ("Lawton R[au]", "Lawton R"), ("Lawton RJ[au]", "Lawton RJ"),
    ("Jänne PA[au]", "Jänne PA"), ("Janne P[au]", "Janne P"), ("Wang[au]", "Wang"), ("Lee MH[au]", "Lee MH"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "name"), AUTHORS, ids=[q for q, _ in AUTHORS])
def test_author(index, query, name):
    same(index, query, O.author(name), nonempty=name not in ("Lawton RJ", "Lau DHM"))


@pytest.mark.parametrize(
    ("query", "name", "fields"),
    [("Lawton, Rebecca[fau]", "Lawton, Rebecca", ("authors",)), ("Schiffer, E[fau]", "Schiffer, E", ("authors",)),
     ("Schiffer E[1au]", "Schiffer E", ("first_author",)),
     ("Theodorescu D[1au]", "Theodorescu D", ("first_author",)),
     ("Theodorescu D[lastau]", "Theodorescu D", ("last_author",)),
     ('first_author:"Lau DH"', "Lau DH", ("first_author",))],
)  # fmt: skip
def test_author_position(index, query, name, fields):
    same(index, query, O.author(name, fields), nonempty="Lau" not in query and "Theodorescu D[1au]" != query)


# -- ranges and identifiers ---------------------------------------------------------------------------------------

RANGES = [
    ("year:2014", O.year_between(2014, 2014)), ("year:2012-2014", O.year_between(2012, 2014)),
    ("year:>=2015", O.year_between(2015, None)), ("year:>2015", O.year_between(2016, None)),
    ("year:<2014", O.year_between(None, 2013)), ("year:<=2014", O.year_between(None, 2014)),
    ("year:[2012 TO 2014}", O.year_between(2012, 2013)), ("year:{2012 TO 2014]", O.year_between(2013, 2014)),
    ("py:2016", O.year_between(2016, 2016)), ("2012:2014[dp]", O.year_between(2012, 2014)),
    ("2015[dp]", O.year_between(2015, 2015)), ("2024:2025[pdat]", O.year_between(2024, 2025)),
    ("2015/03:2015/06[dp]", O.date_between("2015-03", "2015-06")),
    ("2015/03/10:2015/05/15[dp]", O.date_between("2015-03-10", "2015-05-15")),
    ("2014/12[dp]", O.date_between("2014-12", "2014-12")),
    ("2024/12/13[dp]", O.date_between("2024-12-13", "2024-12-13")),
    ("date:2025-01-28", O.date_between("2025-01-28", "2025-01-28")),
    ("date:{2014 TO *]", O.date_between("2015", "9999")), ("date:[* TO 2015}", O.date_between("0001", "2014")),
    ("date:{2015-10 TO 2015-12]", O.date_between("2015-11", "2015-12")),
    ("date:[2015-10 TO 2015-12}", O.date_between("2015-10", "2015-11")),
    ("date:[2015-10-15 TO 2015-10]", O.date_between("2015-10-15", "2015-10")),
    ("2014/01/01:2015/12/31[dp]", O.date_between("2014-01-01", "2015-12-31")),
    ("date:[* TO 2015-01-31]", O.date_between("0001", "2015-01-31")),
    ("date:[* TO 2015-02}", O.date_between("0001", "2015-01")),
    ('"2015/10/01"[dp] : "2015/12/31"[dp]', O.date_between("2015-10-01", "2015-12-31")),
    ('"2015/10/01":"2015/12/31"[dp]', O.date_between("2015-10-01", "2015-12-31")),
    ('"2014/12/01"[Date - Publication] : "2015/01/31"[Date - Publication]', O.date_between("2014-12", "2015-01")),
    ("cancer[ti] AND 2015[dp]", AND(O.bare("cancer", ("title",)), O.year_between(2015, 2015))),
]  # fmt: skip


@pytest.mark.parametrize(("query", "predicate"), RANGES, ids=[q for q, _ in RANGES])
def test_range(index, query, predicate):
    same(index, query, predicate)


def _identifiers() -> list[tuple[str, Predicate]]:
    pmcid = next(r.pmcid for r in RECORDS if r.pmcid)
    pmid = next(r.pmid for r in RECORDS if r.pmid)
    doi = next(r.doi for r in RECORDS if r.doi)
    by_pmcid: Predicate = lambda d: d.pmcid == pmcid  # noqa: E731
    by_pmid: Predicate = lambda d: d.pmid == pmid  # noqa: E731
    by_doi: Predicate = lambda d: d.doi == doi  # noqa: E731
    return [
        (pmid, by_pmid), (f"{pmid}[pmid]", by_pmid), (f"pmid:{pmid}", by_pmid),
        (f"{pmid}[uid]", by_pmid), (pmcid, by_pmcid), (pmcid.lower(), by_pmcid), (f"{pmcid}[pmcid]", by_pmcid),
        (doi, by_doi), (doi.upper(), by_doi), (f"https://doi.org/{doi}", by_doi),
        (f"http://dx.doi.org/{doi}", by_doi),
        (f"doi:{doi}", by_doi), (f"{doi}[aid]", by_doi), (f'doi:"{doi}"', by_doi),
        (f"doi:https://doi.org/{doi}", by_doi), (f"doi:({doi} OR 10.9999/none)", by_doi),
        (f"doi:{doi[:-2]}*", lambda d: (d.doi or "").startswith(doi[:-2])),
    ]  # fmt: skip


@pytest.mark.parametrize("abbreviation", ["Indian J Surg", "J Biol Chem", "J Cataract Refract Surg"])
def test_journal_abbreviations_with_one_letter_words(index, abbreviation):
    def abbreviates(journal: str | None) -> bool:
        words = re.findall(r"[^\W_]+", (journal or "").lower())
        return all(any(w.startswith(p) for w in words) for p in abbreviation.lower().split())

    want = {r.id for r in RECORDS if abbreviates(r.journal)}
    assert want and found(index, f"{abbreviation}[ta]") == want


@pytest.mark.parametrize(("query", "predicate"), _identifiers(), ids=[q for q, _ in _identifiers()])
def test_identifier(index, query, predicate):
    same(index, query, predicate)


@pytest.mark.parametrize(
    ("query", "lower"),
    [("Title:cancer", "title:cancer"), ("TITLE:cancer", "title:cancer"), ("Methods:random*", "methods:random*"),
     ("AU:lau", "au:lau"), ("Abstract:\"follow-up\"", 'abstract:"follow-up"'), ("cancer[TIAB]", "cancer[tiab]"),
     ("Lau DH[AU]", "Lau DH[au]"), ("Year:2014", "year:2014")],
)  # fmt: skip
def test_field_names_in_any_case(index, query, lower):
    assert found(index, query) == found(index, lower)
    assert found(index, query)


@pytest.mark.parametrize(
    ("query", "typed"),
    [("\u201cbreast cancer\u201d", '"breast cancer"'), ("\u201enon-small cell\u201c", '"non-small cell"'),
     ("nai\u0308ve", "naïve"), ('"antimu\u0308llerian"', '"antimüllerian"'),
     ("title:\uff08cancer OR breast\uff09", "title:(cancer OR breast)"),
     ("title:\uff08cancer OR breast\uff09\u3000lung", "title:(cancer OR breast) lung"),
     ("\uff02breast cancer\uff02 \uff0dlung", '"breast cancer" -lung')],
)  # fmt: skip
def test_curly_quotes_and_combining_accents_read_as_typed_plainly(index, query, typed):
    assert found(index, query) == found(index, typed)
    assert found(index, query)


# -- what is refused ----------------------------------------------------------------------------------------------

REFUSED = [
    ("care^0", r"'\^' at column 5"),
    ("cancer ANDMAYBE", r"ANDMAYBE at column 8"),
    ("cancer[au", r"unclosed '\[' at column 7"),
    ("x~2", r"'~' in 'x~2' at column 1.*fuzzy"),
    ("cancer W/3 lung", r"W/3 at column 8"),
    ("cancer PRE/2 lung", r"PRE/2 at column 8"),
    ("heart NEAR failure", r"NEAR at column 7"),
    ("cancer AND [2020 TO 2021]", r"range at column 12 needs a field"),
    ("[2020 TO 2021]", r"range at column 1 needs a field"),
    ("falls[mh:exp]", r"\[mh:exp\] at column 1: searchlib cannot explode MeSH headings"),
    ("cancer AND falls[nosuchtag]", r"\[nosuchtag\] at column 12"),
    ("cancer[tw]", r"\[tw\] at column 1"),
    ("NOT cancer", r"'NOT' at column 1 needs a term on its left"),
    ("*a*", r"'\*a\*' at column 1 matches too many words"),
    ("lung AND *a*", r"'\*a\*' at column 10"),
    ('"a b', r"unclosed quote.*column 1"),
    ("(cancer", r"'\(' at column 1 is never closed"),
    ("nosuch:word", r"unknown field 'nosuch' at column 1"),
    ("cancer AND", r"'AND' at column 8 needs a term on its right"),
    ('"lau dh"[au:~2]', r"\[au:~2\] at column 1"),
    ("doi:", r"'doi:' at column 1 has nothing after it"),
    ("cancer doi:nothing", r"'nothing' at column 12 is not a DOI"),
    ("2015/13[dp]", r"the date 2015-13 at column 1 does not exist"),
    ("cancer OR -breast", r"'-' at column 11 follows 'OR'"),
    ("cancer NOT -breast", r"'-' at column 12 follows 'NOT'"),
    ("cancer AND date:2015-02-30", r"the date 2015-02-30 at column 17 does not exist"),
]


@pytest.mark.parametrize(("query", "message"), REFUSED, ids=[q for q, _ in REFUSED])
def test_refused(index, query, message):
    with pytest.raises(QueryError, match=message):
        index.search(query)


@pytest.mark.parametrize(("query", "message"), REFUSED[:6], ids=[q for q, _ in REFUSED[:6]])
def test_refused_on_the_command_line(medline_dir, capsys, query, message):
    assert main(["search", query, "--index", str(medline_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("searchlib: error: ") and re.search(message, err) and "Traceback" not in err


# -- properties: words, prefixes and phrases drawn from the fixtures' own text ------------------------------------

PASSAGES = [O.words(r.title) for r in RECORDS] + [O.words(s.text) for r in RECORDS for s in r.sections]
PASSAGES = [p for p in PASSAGES if len(p) >= 4]
PLAIN_WORDS = sorted(
    {w for p in PASSAGES for w in p if w.isalpha() and len(w) >= 4 and w.lower() not in O.STOPWORDS}
)
PROPERTY = settings(
    max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def phrases(draw, low: int = 2, high: int = 4) -> str:
    words = draw(st.sampled_from(PASSAGES))
    n = draw(st.integers(low, min(high, len(words))))
    start = draw(st.integers(0, len(words) - n))
    return " ".join(words[start : start + n])


@st.composite
def prefixes(draw) -> str:
    word = draw(st.sampled_from(PLAIN_WORDS))
    return word[: draw(st.integers(3, len(word)))] + "*"


@st.composite
def leaves(draw) -> tuple[str, Predicate]:
    """One term: a quoted word, a prefix, a phrase, a phrase within N words, or a bare word."""
    kind = draw(st.sampled_from(["quoted", "prefix", "phrase", "near", "bare"]))
    if kind == "quoted":
        word = draw(st.sampled_from(PLAIN_WORDS))
        return f'"{word}"', O.phrase(word)
    if kind == "prefix":
        prefix = draw(prefixes())
        return prefix, O.phrase(prefix)
    if kind == "bare":
        word = draw(st.sampled_from(PLAIN_WORDS))
        return word, O.bare(word)
    text = draw(phrases())
    if kind == "phrase":
        return f'"{text}"', O.phrase(text)
    distance = draw(st.integers(0, 6))
    return f'"{text}"~{distance}', O.proximity([[w] for w in text.split()], distance)


@given(st.sampled_from(PLAIN_WORDS))
@PROPERTY
def test_property_quoted_word(index, word):
    same(index, f'"{word}"', O.phrase(word))


@given(prefixes())
@PROPERTY
def test_property_prefix(index, prefix):
    same(index, prefix, O.phrase(prefix))


@given(phrases())
@PROPERTY
def test_property_phrase(index, text):
    same(index, f'"{text}"', O.phrase(text), nonempty=False)


@given(phrases(2, 3), st.integers(0, 8))
@PROPERTY
def test_property_phrase_within_n_words(index, text, distance):
    slots = [[w] for w in text.split()]
    same(index, f'"{text}"~{distance}', O.proximity(slots, distance), nonempty=False)
    same(index, f'"{text}"[tiab:~{distance}]', O.proximity(slots, distance, fields=TIAB), nonempty=False)


@given(st.lists(leaves(), min_size=2, max_size=4), st.lists(st.sampled_from(["AND", "OR", "NOT"]), min_size=3))
@PROPERTY
def test_property_boolean_left_to_right(index, terms, ops):
    query = terms[0][0]
    predicate = terms[0][1]
    for (text, p), op in zip(terms[1:], ops, strict=False):
        query += f" {op} {text}"
        predicate = {"AND": AND, "OR": OR, "NOT": NOT}[op](predicate, p)
    same(index, query, predicate, nonempty=False)


@given(st.lists(leaves(), min_size=3, max_size=3), st.sampled_from(["AND", "OR", "NOT"]),
       st.sampled_from(["AND", "OR", "NOT"]))  # fmt: skip
@PROPERTY
def test_property_boolean_parenthesised(index, terms, first, second):
    (a, pa), (b, pb), (c, pc) = terms
    combine = {"AND": AND, "OR": OR, "NOT": NOT}
    same(index, f"{a} {first} ({b} {second} {c})", combine[first](pa, combine[second](pb, pc)), nonempty=False)


@given(st.lists(st.sampled_from(PLAIN_WORDS), min_size=1, max_size=3), st.sampled_from(PLAIN_WORDS),
       st.sampled_from(PLAIN_WORDS))  # fmt: skip
@PROPERTY
def test_property_signs_with_match_any(index, optional, required, excluded):
    query = " ".join(optional) + f" +{required} -{excluded}"
    same(index, query, NOT(O.bare(required), O.bare(excluded)), match="any", nonempty=False)
    same(index, " ".join(optional) + f" -{excluded}", NOT(OR(*map(O.bare, optional)), O.bare(excluded)),
         match="any", nonempty=False)  # fmt: skip
