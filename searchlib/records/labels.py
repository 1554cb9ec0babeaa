"""The section-label table: NLM's structured-abstract labels plus a few extra real-world headings.

A label is looked up by its normalised upper-case form ("Conclusion(s):" -> "CONCLUSION(S)"), and failing that
by a compact form with only its letters ("MAIN OUTCOMEMEASURES" -> "MAINOUTCOMEMEASURES"), so spacing typos,
"&" for "and" and a missing or extra plural "S" still find NLM's entry.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_NLM_FILE = "nlm_structured_abstract_labels.txt"
_EXTRA_FILE = "extra_section_labels.txt"

# NLM's category names to ours. OTHER is used by the extra file for headings with no NLM category.
_CATEGORY_NAMES = {
    "BACKGROUND": "background",
    "OBJECTIVE": "objective",
    "METHODS": "methods",
    "RESULTS": "results",
    "CONCLUSIONS": "conclusions",
    "OTHER": "other",
}

#: The longest label (in words) in either list; longer phrases are never looked up.
MAX_LABEL_WORDS = 8

_NOT_LETTER_RE = re.compile(r"[^A-Z]+")
#: Phrases whose answers :func:`lookup_label` and :func:`may_open_label` remember: a sentence's first words
#: ("The", "In this study") are asked about again and again.
_CACHED = 1 << 16


def normalise_label(label: str) -> str:
    """Upper-case ``label``, collapse its white space and drop trailing punctuation: NLM's spelling of it."""
    return " ".join(label.strip().rstrip(":.-–—, ").split()).upper()  # split(): where \s+ matches


def _compact(key: str) -> str:
    return _NOT_LETTER_RE.sub("", key.replace("&", "AND"))


def _read_table(name: str) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    data = resources.files("searchlib.records.data").joinpath(name).read_text("utf-8")
    for line in data.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("|")
        if len(parts) >= 2 and parts[1] in _CATEGORY_NAMES:
            rows.append((normalise_label(parts[0]), _CATEGORY_NAMES[parts[1]]))
    return rows


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    exact: dict[str, str] = {}
    compact: dict[str, str] = {}
    for name in (_NLM_FILE, _EXTRA_FILE):  # NLM first, so its category wins over an extra entry
        for key, category in _read_table(name):
            exact.setdefault(key, category)
            compact.setdefault(_compact(key), category)
    return exact, compact


@lru_cache(maxsize=_CACHED)
def lookup_label(label: str) -> str | None:
    """The category of a known label, ``None`` when neither list knows it."""
    exact, compact = _tables()
    key = normalise_label(label)
    if key in exact:
        return exact[key]
    short = _compact(key)
    if not short:
        return None
    for variant in (short, short + "S", short[:-1] if short.endswith("S") else ""):
        if variant in compact:
            return compact[variant]
    return None


@lru_cache(maxsize=1)
def _openings() -> frozenset[str]:
    """Every beginning of a compact key (and of its plural), so a first word can rule a label out at once."""
    _, compact = _tables()
    out = {""}
    for key in compact:
        for form in (key, key + "S"):
            out.update(form[:i] for i in range(1, len(form) + 1))
    return frozenset(out)


@lru_cache(maxsize=_CACHED)
def may_open_label(word: str) -> bool:
    """False when no known label can start with ``word``, whatever follows it: :func:`lookup_label` of any
    phrase opening with ``word`` is then None. Looking a phrase up is far dearer than this test.

    >>> may_open_label("Methods"), may_open_label("However")
    (True, False)
    """
    return _compact(word.upper()) in _openings()
