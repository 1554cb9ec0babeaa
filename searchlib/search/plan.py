"""From what was asked to what is looked up: each word of a parsed query as the index holds it, field by field.

A bare word is analysed and stemmed in each field it searches (title and abstract, scored together as one text, and
authors, unless a field is named), weighted by the field (:data:`FIELD_WEIGHTS`). A quoted word, a phrase,
proximity and a word with ``*`` or ``?`` search the words as written (:mod:`searchlib.analysis.written`): the
title's and the abstract's, a section's being its region of the abstract's. Names search the author fields' name
forms, journals the journal's words, identifiers their own fields, years and dates their columns. MeSH headings,
subheadings, publication types and languages are values matched whole (:func:`value_term`); keywords and
affiliations are searched as words as written, each value its own stretch of words.

The plan is a tree of :class:`Terms` (an OR of indexed terms, each scored by BM25), :class:`Exact` (words as
written, in order or near each other, or a pattern), :class:`Values` (a year or date range) and the
combinations of :mod:`.tree` (``And``, ``Or``, ``AndNot``, ``AndMaybe``), with every ``^`` boost moved into
the weights of the leaves. :mod:`.match` finds the papers.

>>> from searchlib._engine.schema import make_schema
>>> from searchlib.search.syntax import parse
>>> planner = Planner(make_schema())
>>> planner.plan(parse("methods:interviews"))
Terms((('methods', 'interview', 1.0),))
>>> planner.plan(parse('"follow-up"[ab] randomi*[ti]'))
And((Exact('abstract_exact', ((('follow', 'up'),),)), Exact('title_exact', ((('randomi*',),),))))
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Union

from ..analysis.filters import PAPER_CHARMAP
from ..analysis.written import HYPHENS, fold
from ..errors import QueryError
from ..records.vocabulary import folded, language_name, publication_type, value_key
from .ranking import TIAB
from .tree import And, AndMaybe, AndNot, Node, Or, Phrase, Query, Range, Word, _Node

#: Fields a bare word searches. Its title and abstract are scored as one text (:data:`~.ranking.TIAB`, BM25F),
#: which holds for a paper known only by its title as for one with an abstract.
DEFAULT_FIELDS: tuple[str, ...] = ("title", "abstract", "authors")
#: How much a match of a bare word counts where it is scored: title and abstract together, and the author names
#: (matched exactly; rare words).
FIELD_WEIGHTS: dict[str, float] = {TIAB: 1.0, "authors": 1.0}
#: With ``match="any"``, a hyphenated word also searches its parts: "IL-10" searches "il10" and, at this weight
#: relative to it, "il" and "10" (papers writing "IL-10" are indexed under all three). A word that is in no
#: paper joined ("Rad53-dependent") is searched by its parts at full weight. Chosen on training data: parts at
#: 0.25 raised nDCG@10 on SciFact's train claims and lowered no Cranfield or CISI fold; at 0.5 or 1.0 they
#: drowned out the precise joined form on Cranfield.
COMPOUND_PART_WEIGHT = 0.25

SECTION_FIELDS = ("background", "objective", "methods", "results", "conclusions")
STEMMED_FIELDS = ("title", "abstract", *SECTION_FIELDS, TIAB)
NAME_FIELDS = ("authors", "first_author", "last_author")
ID_FIELDS = ("doi", "pmid", "pmcid", "issn")
#: Fields of whole values, and fields of words as written beside the title's and the abstract's.
VALUE_FIELDS = ("mesh", "mesh_major", "subheading", "publication_type", "language")
WORD_FIELDS = ("keywords", "affiliation")


def value_term(field: str, text: str) -> str:
    """What a value in a query is looked up as in a field of whole values: its words folded
    (:func:`~searchlib.records.vocabulary.value_key`), a heading and its qualifier either side of ``/``, a
    language by its name (``eng`` and ``English`` alike), a publication type by PubMed's name for it (``JOUR``
    is "Journal Article"). ``*`` and ``?`` stay, for patterns.

    >>> value_term("mesh", "Asthma / Drug Therapy"), value_term("language", "eng"), value_term("mesh", "neopl*")
    ('asthma/drug therapy', 'english', 'neopl*')
    """
    if "*" in text or "?" in text:
        words = (" ".join(_PATTERN_GAPS.sub(" ", part).split()) for part in folded(text).split("/"))
        return "/".join(w for w in words if w)
    if field == "language":
        return value_key(language_name(text) or "")
    if field == "publication_type":
        return value_key(publication_type(text) or "")
    parts = [value_key(p) for p in text.split("/")] if field in ("mesh", "mesh_major") else [value_key(text)]
    return "/".join(p for p in parts if p)


#: What a pattern of a value ignores, as :func:`~searchlib.records.vocabulary.value_key` ignores it.
_PATTERN_GAPS = re.compile(r"[^\w*?]+|_")


@dataclass(frozen=True, repr=False)
class Terms(_Node):
    """Papers holding any of ``terms`` (``(field, term, weight)``), scored by the sum of their terms' BM25."""

    terms: tuple[tuple[str, str, float], ...]


@dataclass(frozen=True, repr=False)
class Exact(_Node):
    """Words as written in one field: ``slots`` in order next to each other (``distance`` None), or with at
    most ``distance`` words between neighbouring slots (in any order unless ``ordered``).

    A slot is a choice of alternatives, an alternative a run of words one position each ("follow-up" is
    ``('follow', 'up')``; the index also holds "followup" at the run's ends, so :mod:`.match` tries the joined
    form too). A word with ``*`` or ``?`` matches the words as written that fit it. ``region``: only positions
    in that region of the field (a section of the abstract). Scored by BM25 of how often it occurs, or
    ``weight`` for each paper when it holds a pattern.
    """

    field: str
    slots: tuple[tuple[tuple[str, ...], ...], ...]
    distance: int | None = None
    ordered: bool = True
    region: int | None = None
    weight: float = 1.0

    @property
    def has_pattern(self) -> bool:
        return any("*" in w or "?" in w for slot in self.slots for alt in slot for w in alt)


@dataclass(frozen=True, repr=False)
class Values(_Node):
    """Papers whose ``field`` (``year`` or ``date``) lies in the range; each scores ``weight``."""

    field: str
    low: int | str | None
    high: int | str | None
    include_low: bool = True
    include_high: bool = True
    weight: float = 1.0


Plan = Union[Terms, Exact, Values, "And[Plan]", "Or[Plan]", "AndNot[Plan]", "AndMaybe[Plan]"]  # noqa: UP007


class Planner:
    """Plans queries against a schema (the analyzers of its fields).

    ``known(term)`` tells whether a stemmed term is in some paper's title or abstract, so that a hyphenated word
    no paper has joined is searched by its parts at full weight (:data:`COMPOUND_PART_WEIGHT`).
    """

    def __init__(self, schema: Any, known: Callable[[str], bool] | None = None) -> None:
        self.schema = schema
        self.known = known
        self._sections = {name: i for i, name in enumerate(SECTION_FIELDS, start=1)}
        self._words: dict[tuple[str, str, str], tuple[str, ...]] = {}

    def plan(self, query: Query, match: str = "all") -> Plan:
        """The plan of a parsed query; :class:`QueryError` if nothing in it can be searched (stopwords only)."""
        self.match = match
        found = self.node(query.tree)
        if found is None:
            raise QueryError(f"{query.text.strip()!r} has no words that can be searched (only stopwords?)")
        return found

    # -- the tree, node by node ------------------------------------------------------------------------------

    def node(self, n: Node) -> Plan | None:
        if isinstance(n, Word):
            return self.word(n)
        if isinstance(n, Phrase):
            return self.phrase(n)
        if isinstance(n, Range):
            return Values(n.field, n.low, n.high, n.include_low, n.include_high, n.boost)
        if isinstance(n, (And, Or)):
            if isinstance(n, Or) and self.match == "any" and all(_bare(p) for p in n.parts):
                return _boosted(self.words_or(tuple(p for p in n.parts if isinstance(p, Word))), n.boost)
            parts = [p for p in (self.node(c) for c in n.parts) if p is not None]
            if not parts:
                return None
            combined: Plan = (
                parts[0] if len(parts) == 1 else And(tuple(parts)) if isinstance(n, And) else Or(tuple(parts))
            )
            return _boosted(combined, n.boost)
        if isinstance(n, AndNot):
            positive, negative = self.node(n.positive), self.node(n.negative)
            if positive is None:
                return None
            return _boosted(positive if negative is None else AndNot(positive, negative), n.boost)
        required, optional = self.node(n.required), self.node(n.optional)
        if required is None:
            return _boosted(optional, n.boost)
        return _boosted(required if optional is None else AndMaybe(required, optional), n.boost)

    def word(self, w: Word) -> Plan | None:
        fields = w.fields or DEFAULT_FIELDS
        if w.fields and set(w.fields) <= set(VALUE_FIELDS):
            return self.values(w.text, w.fields, w.boost)
        if w.fields and set(w.fields) <= set(WORD_FIELDS):  # words as written, each word as it stands
            return self.either([self.exact(f, ((w.text,),), None, True, w.boost) for f in w.fields])
        if len(w.fields) == 1 and w.fields[0] in ID_FIELDS:
            if "*" in w.text or "?" in w.text:
                return Exact(w.fields[0], (((w.text,),),), weight=w.boost)
            return Terms(((w.fields[0], w.text, w.boost),))
        if w.quoted or w.is_pattern:
            return self.either([self.exact(f, ((w.text,),), None, True, _weight(f, w)) for f in fields])
        if self.match == "any":
            return self.words_or((w,))
        return self.stemmed(w, fields)

    def values(self, text: str, fields: tuple[str, ...], boost: float) -> Plan | None:
        """A value in fields of whole values: one term each, or a pattern over the field's values."""
        parts: list[Plan | None] = []
        for f in fields:
            term = value_term(f, text)
            if not term:
                continue
            if "*" in term or "?" in term:
                parts.append(Exact(f, (((term,),),), weight=boost))
            else:
                parts.append(Terms(((f, term, boost),)))
        return self.either(parts)

    def stemmed(self, w: Word, fields: tuple[str, ...]) -> Plan | None:
        """A bare word in each field as that field's analyzer makes it: several terms in one field must all be
        there (``match="any"``: any of them). A word that titles and abstracts drop (a stopword) is dropped from
        the default fields, rather than searched in author names only ("cancer may")."""
        if not w.fields and not any(self.analysed(f, w.text) for f in ("title", "abstract")):
            return None
        per_field: list[Plan] = []
        for f in scored_fields(fields):
            weight = _weight(f, w)
            terms = self.analysed(f, w.text)
            if len(terms) == 1:
                per_field.append(Terms(((f, terms[0], weight),)))
            elif terms:
                kind = And if self.match == "all" else Or
                per_field.append(kind(tuple(Terms(((f, t, weight),)) for t in terms)))
        return self.either(per_field)

    def words_or(self, words: tuple[Word, ...]) -> Plan | None:
        """Bare words any of which may match (``match="any"``), as one OR of terms: a word's terms in each field
        it searches, a hyphenated word's parts too (:data:`COMPOUND_PART_WEIGHT`), a word said n times counted
        n times (a pasted paragraph repeats what it is about), a term two words share searched once."""
        groups: Counter[tuple[tuple[str, str, float], ...]] = Counter()
        for w in words:
            group: list[tuple[str, str, float]] = []
            for f in scored_fields(w.fields or DEFAULT_FIELDS):
                weight = _weight(f, w)
                said = self.analysed(f, w.text)
                group += [(f, t, weight) for t in said]
                if said and f in STEMMED_FIELDS:
                    parts = [t for t in dict.fromkeys(self.analysed(f, w.text, "index")) if t not in said]
                    if parts:
                        part_weight = self.part_weight(said)
                        group += [(f, p, weight * part_weight) for p in parts]
            if group:
                groups[tuple(dict.fromkeys(group))] += 1
        terms = dict.fromkeys((f, t, weight * n) for group, n in groups.items() for f, t, weight in group)
        return Terms(tuple(terms)) if terms else None

    def part_weight(self, said: tuple[str, ...]) -> float:
        known = self.known
        return 1.0 if known is not None and not any(known(t) for t in said) else COMPOUND_PART_WEIGHT

    def phrase(self, p: Phrase) -> Plan | None:
        slots = tuple(tuple(p_slot) for p_slot in p.slots)
        fields = p.fields or DEFAULT_FIELDS
        if p.fields and set(p.fields) <= set(VALUE_FIELDS):  # "drug therapy"[sh]: one value of those words
            return self.values(" ".join(slot[0] for slot in slots), p.fields, p.boost)
        if p.distance is not None:  # proximity reads running text, not names
            fields = tuple(f for f in fields if f not in NAME_FIELDS)
        return self.either([self.exact(f, slots, p.distance, p.ordered, _weight(f, p)) for f in fields])

    def exact(
        self, field: str, slots: tuple[tuple[str, ...], ...], distance: int | None, ordered: bool, weight: float
    ) -> Exact | None:
        """Words as written in ``field``: the title's or abstract's (a section: its region of the abstract's),
        an author field's name words, the journal's words."""
        region = None
        split: Callable[[str], tuple[str, ...]]
        if field in STEMMED_FIELDS:
            region = self._sections.get(field)
            target = "title_exact" if field == "title" else "abstract_exact"
            split = _written
        elif field in WORD_FIELDS:
            target, split = field, _written
        elif field in NAME_FIELDS or field == "journal":
            target, split = field, self.name_words(field)
        elif field in ID_FIELDS:
            target, split = field, lambda word: (word.lower(),)
        else:
            raise QueryError(f"{field}: cannot be searched for words")  # pragma: no cover (years are ranges)
        planned = []
        for slot in slots:
            alternatives = tuple(alt for alt in (split(word) for word in slot) if alt)
            if not alternatives:  # a word this field never holds (a stopword in a name): no paper matches here
                return None
            planned.append(alternatives)
        if not planned:
            return None
        if distance is None and len(planned) > 1:  # a phrase: one run of words in order
            runs = [alt for slot in planned for alt in slot] if all(len(s) == 1 for s in planned) else None
            if runs is not None:
                planned = [(tuple(w for run in runs for w in run),)]
        return Exact(target, tuple(planned), distance, ordered, region, weight)

    def name_words(self, field: str) -> Callable[[str], tuple[str, ...]]:
        """Words of a name or journal as their field indexes them (an author's query words keep their case
        folded, not stemmed; patterns are folded the same way)."""

        def split(word: str) -> tuple[str, ...]:
            if "*" in word or "?" in word:  # names hold a hyphenated word joined (and its parts)
                return (HYPHENS.sub("", fold(word)),)
            analysed = tuple(self.analysed(field, word))
            if not analysed and len(word) == 1 and word.isalpha():  # an initial, not the stopword "a"
                return (word.lower(),)
            return analysed

        return split

    def analysed(self, field: str, text: str, mode: str = "query") -> tuple[str, ...]:
        if field == TIAB:  # title and abstract are analysed alike
            field = "abstract"
        key = (field, text, mode)
        found = self._words.get(key)
        if found is None:
            if field not in self.schema:
                found = ()
            else:
                found = tuple(self.schema[field].process_text(text, mode=mode))
            if len(self._words) < 100_000:
                self._words[key] = found
        return found

    @staticmethod
    def either(parts: Sequence[Plan | None]) -> Plan | None:
        """Any of ``parts`` (those not None); one OR of terms when they all are terms."""
        kept = [p for p in parts if p is not None]
        if not kept:
            return None
        if len(kept) == 1:
            return kept[0]
        terms = [p for p in kept if isinstance(p, Terms)]
        if len(terms) == len(kept):
            return Terms(tuple(t for p in terms for t in p.terms))
        return Or(tuple(kept))


def scored_fields(fields: Sequence[str]) -> tuple[str, ...]:
    """The fields a word's terms are scored in: title and abstract, when both are searched, as one
    (:data:`~.ranking.TIAB`).

    >>> scored_fields(("title", "abstract", "authors")), scored_fields(("title",))
    (('tiab', 'authors'), ('title',))
    """
    if "title" not in fields or "abstract" not in fields:
        return tuple(fields)
    return tuple(TIAB if f == "title" else f for f in fields if f != "abstract")


def _weight(field: str, node: Word | Phrase) -> float:
    """A leaf's weight in ``field``: its boost, times the field's weight when no field was named."""
    return node.boost * (FIELD_WEIGHTS.get(field, 1.0) if not node.fields else 1.0)


def _bare(n: Node) -> bool:
    special = (*ID_FIELDS, *VALUE_FIELDS, *WORD_FIELDS)
    return type(n) is Word and not n.quoted and not n.is_pattern and not (set(n.fields) & set(special))


def _written(word: str) -> tuple[str, ...]:
    """A query word as the words-as-written fields hold it: folded, a hyphenated word as its parts. A word with
    ``*`` or ``?`` is folded in case, accents and Greek letters only (a spelling rule cannot read a pattern)."""
    folded = word.lower().translate(PAPER_CHARMAP) if "*" in word or "?" in word else fold(word)
    return tuple(p for p in HYPHENS.split(folded) if p)


def _boosted(plan: Plan | None, boost: float) -> Plan | None:
    """``plan`` with its weights multiplied by ``boost``."""
    if plan is None or boost == 1.0:
        return plan
    if isinstance(plan, Terms):
        return Terms(tuple((f, t, w * boost) for f, t, w in plan.terms))
    if isinstance(plan, (Exact, Values)):
        return replace(plan, weight=plan.weight * boost)
    if isinstance(plan, And):
        return And(tuple(_boost_all(plan.parts, boost)))
    if isinstance(plan, Or):
        return Or(tuple(_boost_all(plan.parts, boost)))
    if isinstance(plan, AndNot):
        return AndNot(_boost_one(plan.positive, boost), plan.negative)
    return AndMaybe(_boost_one(plan.required, boost), _boost_one(plan.optional, boost))


def _boost_one(plan: Plan, boost: float) -> Plan:
    boosted = _boosted(plan, boost)
    assert boosted is not None
    return boosted


def _boost_all(plans: tuple[Plan, ...], boost: float) -> list[Plan]:
    return [_boost_one(p, boost) for p in plans]


def leaves(plan: Plan, positive: bool = False) -> Iterator[Terms | Exact | Values]:
    """The leaves of ``plan`` (``positive``: leaving out what AND NOT excludes)."""
    stack: list[Plan] = [plan]
    while stack:
        node = stack.pop()
        if isinstance(node, (And, Or)):
            stack.extend(reversed(node.parts))
        elif isinstance(node, AndNot):
            stack.append(node.positive)
            if not positive:
                stack.append(node.negative)
        elif isinstance(node, AndMaybe):
            stack.extend((node.optional, node.required))
        else:
            yield node


def _quoted(term: str) -> str:
    """A term as query syntax: a value of several words (a MeSH heading) in quotes."""
    return f'"{term}"' if " " in term else term


def render(plan: Plan) -> str:
    """The plan as query syntax, terms as the index holds them: what ``Results.parsed`` shows.

    >>> from searchlib._engine.schema import make_schema
    >>> from searchlib.search.syntax import parse
    >>> render(Planner(make_schema()).plan(parse('randomised[ti] AND "atrial flutter"[tiab:~2] year:2020-2024')))
    '(title:random AND (title:"atrial flutter"~2 OR abstract:"atrial flutter"~2) AND year:[2020 TO 2024])'
    """
    if isinstance(plan, Terms):
        shown = [f"{f}:{_quoted(t)}" + (f"^{w:.3g}" if w != 1.0 else "") for f, t, w in plan.terms]
        return shown[0] if len(shown) == 1 else "(" + " OR ".join(shown) + ")"  # () for no terms
    if isinstance(plan, Exact):
        field = SECTION_FIELDS[plan.region - 1] if plan.region else plan.field.removesuffix("_exact")
        slots = [
            " ".join(s[0]) if len(s) == 1 else "(" + " OR ".join(" ".join(a) for a in s) + ")" for s in plan.slots
        ]
        if plan.distance is None:
            text = f'"{slots[0]}"' if " " in slots[0] else slots[0]
        elif all(len(s) == 1 for s in plan.slots) and not plan.ordered:
            text = '"' + " ".join(slots) + f'"~{plan.distance}'
        else:
            text = "(" + f" {'NEXT' if plan.ordered else 'NEAR'}/{plan.distance} ".join(slots) + ")"
        return f"{field}:{text}" + (f"^{plan.weight:.3g}" if plan.weight != 1.0 else "")
    if isinstance(plan, Values):
        low = "*" if plan.low is None else plan.low
        high = "*" if plan.high is None else plan.high
        brackets = ("[" if plan.include_low else "{") + f"{low} TO {high}" + ("]" if plan.include_high else "}")
        return f"{plan.field}:{brackets}" + (f"^{plan.weight:.3g}" if plan.weight != 1.0 else "")
    if isinstance(plan, (And, Or)):
        word = " AND " if isinstance(plan, And) else " OR "
        return "(" + word.join(render(p) for p in plan.parts) + ")"
    if isinstance(plan, AndNot):
        return f"({render(plan.positive)} NOT {render(plan.negative)})"
    return f"({render(plan.required)} MAYBE {render(plan.optional)})"
