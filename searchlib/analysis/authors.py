"""Author names: index every name so it is found the ways researchers type it.

"Rebecca Lawton" is indexed as the runs "rebecca lawton", "lawton rebecca", "lawton r" (and, for a name
with middle initials such as "Graham P Martin", "graham martin" and "martin gp" too), each run apart from the
next, so ``au:lawton``, ``au:"Lawton R"``, ``au:"Rebecca Lawton"`` and ``au:"Lawton, Rebecca"`` all find her,
and a phrase never runs from one author into the next. As in PubMed, "Lawton R" also finds "Rebecca J Lawton"
(indexed as "lawton r" and "lawton rj"), while "Lawton RJ" does not find plain "Rebecca Lawton".
Accents and case never matter (see the analyzer).

Surnames: particles before the last word belong to it ("Johannes G van der Hoeven" -> "van der Hoeven JG");
a given-looking word before a particle may be part of the surname too ("Arantza López de Munain" is indexed
both as "de Munain AL" and as "López de Munain A"); a hyphenated surname is found with or without its hyphen
("Rodríguez-Barranco M", "Rodriguez Barranco M", "Barranco"); a name already written PubMed-style
("Lawton RJ") is read as surname and initials.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer

__all__ = ["AuthorTokenizer", "name_forms", "split_name", "PARTICLES", "NAME_GAP"]

#: Lower-case words that belong to a surname when they come before it ("van der Hoeven", "López de Munain").
PARTICLES = frozenset("van von der den de del della di da dos das du la le ten ter st bin ibn al el".split())
_NAME_WORD = re.compile(r"[^\W_]+(?:['\u2019.-][^\W_]+)*\.?", re.UNICODE)
#: Every dash a name may be written with, read as a hyphen ("Rodríguez‐Barranco" with U+2010).
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d]")
#: Positions between one name form and the next, more than any phrase a user types.
NAME_GAP = 10
_PUBMED_INITIALS = re.compile(r"[A-Z]{1,4}")


def split_name(name: str) -> tuple[list[str], list[str]]:
    """(given names, surname words) of a name in "Given Surname" or "Surname, Given" order.

    >>> split_name("Johannes G van der Hoeven")
    (['Johannes', 'G'], ['van', 'der', 'Hoeven'])
    >>> split_name("Lawton, Rebecca J")
    (['Rebecca', 'J'], ['Lawton'])
    """
    if "," in name:
        surname, _, given = name.partition(",")
        return _words(given), _words(surname)
    words = _words(name)
    if len(words) <= 1:
        return [], words
    if len(words) >= 2 and _PUBMED_INITIALS.fullmatch(words[-1]) and not _PUBMED_INITIALS.fullmatch(words[-2]):
        return list(words[-1]), words[:-1]  # already PubMed-style: "Lawton RJ", "van der Hoeven JG"
    # The surname is the last word plus any particles just before it (not the first word: "Van Morrison").
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in PARTICLES:
        start -= 1
    return words[:start], words[start:]


def _words(text: str) -> list[str]:
    return [w.rstrip(".") for w in _NAME_WORD.findall(_DASHES.sub("-", text)) if w.rstrip(".")]


def name_forms(name: str) -> list[list[str]]:
    """The word runs a name is indexed under (not yet lower-cased or accent-folded).

    >>> name_forms("Graham P Martin")
    [['Graham', 'P', 'Martin'], ['Martin', 'Graham', 'P'], ['Martin', 'G'], ['Martin', 'GP'], ['Graham', 'Martin']]
    >>> name_forms("Arantza López de Munain")[-2:]
    [['López', 'de', 'Munain', 'Arantza'], ['López', 'de', 'Munain', 'A']]
    """
    given, surname = split_name(name)
    if not given:
        return [surname] if surname else []
    forms = _forms(given, surname)
    # "Arantza López de Munain": the word before a particle may open a compound surname (Spanish, Portuguese).
    if len(given) > 1 and surname[0].lower() in PARTICLES and len(given[-1]) > 1 and given[-1][0].isupper():
        forms += [f for f in _forms(given[:-1], given[-1:] + surname) if f not in forms]
    # "Rodríguez-Barranco" is also written "Rodríguez Barranco": index the spaced form of the initials run.
    if any("-" in w for w in surname):
        spaced = [part for w in surname for part in w.split("-") if part]
        forms.append(spaced + [given[0][0]])
    return forms


def _forms(given: list[str], surname: list[str]) -> list[list[str]]:
    # PubMed's initials: one per given name and per part of a hyphenated one ("Sai-Hong I" -> SHI); every
    # beginning of them is indexed, so "Ou S", "Ou SH" and "Ou SHI" all find him, as in PubMed.
    initials = "".join(part[0] for w in given for part in w.split("-") if part)
    forms = [given + surname, surname + given]
    forms += [surname + [initials[:k]] for k in range(1, len(initials) + 1)]
    if len(given) > 1:
        forms.append(given[:1] + surname)  # "Graham Martin" for "Graham P Martin"
    return forms


class AuthorTokenizer(Tokenizer):
    """Index mode: a "; "-separated list of names, each as its :func:`name_forms`. Query mode: plain words."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def name_span(self, name: str) -> int:
        """The positions one name of an index-mode list takes, the gap after each of its forms included.

        >>> AuthorTokenizer().name_span("Bent Høie")  # three forms of two words
        36
        """
        return sum(len(form) + NAME_GAP for form in name_forms(name))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            runs = [[value]]
        elif mode == "index":
            runs = [form for name in value.split(";") for form in name_forms(name)]
        else:
            # A query: 'Lawton R', 'Rebecca Lawton', 'Lawton, Rebecca', or a stored list being highlighted.
            runs = [_words(value)]
        pos = start_pos
        for run in runs:
            for word in run:
                t.text = word
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = word
                if positions:
                    t.pos = pos
                if chars:  # names are not highlighted; offsets are nominal
                    t.startchar = start_char
                    t.endchar = start_char + len(word)
                pos += 1
                yield t
            pos += NAME_GAP
