"""Author lists as databases and reference managers write them, split into one "Given Family" name each.

Each source has its habit, and a list read as one name is an author no one can find:

- ``;`` between names: Zotero ("Rotter, Carina; Whittaker, Danielle"), Scopus ("Anderson R.C.; Mansi S.A.", and
  "Anderson, Ronald C. (7402344377)" in its full names), Web of Science ("Kanjo, E; Younis, EMG"), Covidence;
- ``,`` between names written surname first: ASySD and older Scopus ("Bauer B., Simkhovich B. Z., Kloner R. A."),
  PubMed's CSV ("Lerro CC, Beane Freeman LE");
- `` and `` between names: Rayyan, BibTeX;
- nothing at all: Embase's RIS puts every name in one ``AU`` ("Lamb B. T. Call L. M. Slunt H. H.").

A name written surname first ends with its initials, which is what tells one name from the next. Initials run
together ("F.M.", Web of Science's "EMG") are spaced out, so each is a word of its own and ``bertolini fm[au]``
finds "F. M. Bertolini"; the source's periods are kept. A suffix stays with the given names, as MEDLINE writes
it ("Robert M Jr"), so it is never taken for the surname.

>>> split_authors("Lamb B. T. Call L. M. Sanchez del Pulgar J.")
['B. T. Lamb', 'L. M. Call', 'J. Sanchez del Pulgar']
>>> split_authors("Bauer B., Simkhovich B. Z., Mentzer R. M. Jr.")
['B. Bauer', 'B. Z. Simkhovich', 'R. M. Jr. Mentzer']
>>> split_authors("Kanjo, E; Younis, EMG; Anderson, Ronald C. (7402344377)")
['E Kanjo', 'E M G Younis', 'Ronald C. Anderson']
>>> split_authors("Beane Freeman, Laura E"), split_authors("WHO Collaborators")
(['Laura E Beane Freeman'], ['WHO Collaborators'])
"""

from __future__ import annotations

import re

from ._fields import inverted_name, person

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
#: Lower-case words that open a surname ("de Oliveira", "van der Hoeven"): a name with them is still a name.
_PARTICLES = frozenset("van von der den de del della di da dos das du la le ten ter".split())
#: Scopus's author id after a full name: "Anderson, Ronald C. (7402344377)".
_AUTHOR_ID_RE = re.compile(r"\s*\(\d+\)\s*$")
#: Initials with periods run together: "F.M.", "R.C" (not "J.-P.", which is already two words to the analyzer).
_DOTTED_RE = re.compile(r"[^\W\d_](?:\.[^\W\d_])+\.?")


def split_authors(text: str) -> list[str]:
    """The names in one author field, each as "Given Family"; a field that is one name gives one."""
    text = " ".join(text.split())
    if not text:
        return []
    if ";" in text:
        return [name for part in text.split(";") for name in split_authors(_AUTHOR_ID_RE.sub("", part))]
    parts = re.split(r" and ", text)
    if len(parts) > 1 and all(_looks_like_a_name(p) for p in parts):
        return [name for part in parts for name in split_authors(part)]
    pieces = [p.strip() for p in text.split(",") if p.strip()]
    if len(pieces) > 1:
        return _comma_list(pieces, text)
    names = _surname_first(text)
    if names is not None:
        return [_given_family(family, given) for family, given in names]
    return [author_name(text)]


def _comma_list(pieces: list[str], text: str) -> list[str]:
    """Names in a field with commas: one "Family, Given" name, or a list of them, or of "Family I." names."""
    each = [_surname_first(p) for p in pieces]
    if all(names is not None for names in each):  # "Bauer B., Simkhovich B. Z."
        return [_given_family(family, given) for names in each if names for family, given in names]
    if len(pieces) == 2 or (len(pieces) == 3 and pieces[2].lower() in _SUFFIXES):
        return [author_name(text)]
    if len(pieces) % 2 == 0 and all(_is_initials_only(p) for p in pieces[1::2]):  # "Smith, J., Jones, K. L."
        return [author_name(f"{pieces[i]}, {pieces[i + 1]}") for i in range(0, len(pieces), 2)]
    return [author_name(p) for p in pieces]  # a list of names with no initials to pair: each piece one name


def author_name(name: str) -> str:
    """One name, in any of the forms above, as "Given Family".

    >>> author_name("Bertolini, F.M."), author_name("Lerro CC"), author_name("Smith, John, Jr.")
    ('F. M. Bertolini', 'C C Lerro', 'John Jr. Smith')
    """
    name = " ".join(name.split())
    pieces = [p.strip() for p in name.split(",")]
    if len(pieces) == 2 and all(pieces):
        return _given_family(pieces[0], pieces[1])
    if len(pieces) == 3 and all(pieces) and pieces[2].lower() in _SUFFIXES:  # RIS: "Last, First, Suffix"
        return _given_family(pieces[0], f"{pieces[1]} {pieces[2]}")
    names = _surname_first(name) if len(pieces) == 1 else None
    if names is not None and len(names) == 1:
        return _given_family(*names[0])
    if len(pieces) == 1:
        return " ".join(_spaced(word) for word in name.split())  # "F.M. Bertolini"
    return inverted_name(name)


def _given_family(family: str, given: str) -> str:
    words = given.split()
    if len(words) == 1 and "." not in given and _is_initials(given, bare=not family.isupper()) and len(given) > 1:
        return person(" ".join(given), family)  # Web of Science and PubMed initials: "EMG" -> "E M G"
    return person(" ".join(_spaced(w) for w in words), family)


def _spaced(word: str) -> str:
    """Initials run together with periods, spaced: "F.M." -> "F. M."; any other word unchanged."""
    if _DOTTED_RE.fullmatch(word) and word.replace(".", "").isupper():
        return " ".join(f"{c}." for c in word.replace(".", ""))
    return word


def _is_initials(token: str, bare: bool) -> bool:
    """Whether a word is initials: "B.", "B.T.", "J.-P." or, when ``bare``, 1-3 capitals ("BT")."""
    letters = token.replace(".", "").replace("-", "")
    if not letters.isalpha() or not letters.isupper() or len(letters) > 4:
        return False
    return "." in token or (bare and len(letters) <= 3 and "-" not in token)


def _is_initials_only(text: str) -> bool:
    return all(_is_initials(w, bare=True) for w in text.split())


def _surname_first(text: str) -> list[tuple[str, str]] | None:
    """(family, initials) of each name in text written surname first with initials ("Lamb B. T.", or several
    such names one after another); None when the text is not all of that form.

    Capitals without periods count as initials only in mixed-case text, where they cannot be a surname.
    """
    bare = any(c.islower() for c in text)
    names: list[tuple[list[str], list[str]]] = []
    family: list[str] = []
    given: list[str] = []
    for word in text.split():
        if given and word.lower() in _SUFFIXES:
            given.append(word)
        elif family and _is_initials(word, bare):
            given.append(word)
        else:
            if given:
                names.append((family, given))
                family, given = [], []
            family.append(word)
    if not family or not given:
        return None
    names.append((family, given))
    return [(" ".join(f), " ".join(g)) for f, g in names]


def _looks_like_a_name(text: str) -> bool:
    """Whether text between " and "s is a person's name, not part of a body's ("Department of Health and ...")."""
    words = text.split()
    return 0 < len(words) <= 5 and all(w[0].isupper() or w.lower() in _PARTICLES for w in words if w[0].isalpha())
