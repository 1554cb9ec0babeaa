"""British to American spelling, so "randomised" finds "randomized" and "paediatric" finds "pediatric".

Runs on single lower-case, accent-folded tokens before stemming. The same mapping runs on documents
and queries, so an odd mapping of a word nobody spells two ways ("raise" -> "raize") does no harm; what
matters is that no two different words are merged, which is why the -ise and -our rules have exceptions.

>>> [american(w) for w in "randomised organisation behaviour paediatric haemorrhage centre".split()]
['randomized', 'organization', 'behavior', 'pediatric', 'hemorrhage', 'center']
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["american"]

# Whole words that no rule below covers.
WORDS: dict[str, str] = {
    "programme": "program",
    "programmes": "programs",
    "ageing": "aging",
    "grey": "gray",
    "greys": "grays",
    "defence": "defense",
    "defences": "defenses",
    "licence": "license",
    "licences": "licenses",
    "offence": "offense",
    "offences": "offenses",
    "pretence": "pretense",
    "practise": "practice",
    "practised": "practiced",
    "practising": "practicing",
    "catalogue": "catalog",
    "catalogues": "catalogs",
    "dialogue": "dialog",
    "dialogues": "dialogs",
    "analogue": "analog",
    "analogues": "analogs",
    "sceptical": "skeptical",
    "scepticism": "skepticism",
    "sceptic": "skeptic",
    "mould": "mold",
    "moulds": "molds",
    "mouldy": "moldy",
    "manoeuvre": "maneuver",
    "manoeuvres": "maneuvers",
    "enrol": "enroll",
    "enrols": "enrolls",
    "enrolment": "enrollment",
    "enrolments": "enrollments",
    "fulfil": "fulfill",
    "fulfils": "fulfills",
    "fulfilment": "fulfillment",
    "skilful": "skillful",
    "wilful": "willful",
    "instil": "instill",
    "distil": "distill",
    "tyre": "tire",
    "tyres": "tires",
    "plough": "plow",
    "cheque": "check",
    "cheques": "checks",
    "kerb": "curb",
    "aluminium": "aluminum",
    "sulphur": "sulfur",
    "sulphate": "sulfate",
    "sulphates": "sulfates",
    "sulphide": "sulfide",
    "foetus": "fetus",
    "foetuses": "fetuses",
    "foetal": "fetal",
    "oedema": "edema",
    "oedemas": "edemas",
    "gonorrhoea": "gonorrhea",
    "diarrhoea": "diarrhea",
    "diarrhoeal": "diarrheal",
    "dyspnoea": "dyspnea",
    "apnoea": "apnea",
    "amenorrhoea": "amenorrhea",
    "coeliac": "celiac",
    "faeces": "feces",
    "faecal": "fecal",
    "labelled": "labeled",
    "labelling": "labeling",
    "modelled": "modeled",
    "modelling": "modeling",
    "travelled": "traveled",
    "travelling": "traveling",
    "traveller": "traveler",
    "travellers": "travelers",
    "cancelled": "canceled",
    "cancelling": "canceling",
    "signalled": "signaled",
    "signalling": "signaling",
    "counselled": "counseled",
    "counselling": "counseling",
    "counsellor": "counselor",
    "counsellors": "counselors",
    "fuelled": "fueled",
    "fuelling": "fueling",
    "channelled": "channeled",
    "levelled": "leveled",
    "totalled": "totaled",
    "dialled": "dialed",
    "equalled": "equaled",
    "marvellous": "marvelous",
    "jewellery": "jewelry",
    "woollen": "woolen",
    "tranquilliser": "tranquilizer",
    "tranquillisers": "tranquilizers",
    "judgement": "judgment",
    "judgements": "judgments",
    "acknowledgement": "acknowledgment",
    "arse": "ass",
    "artefact": "artifact",
    "artefacts": "artifacts",
    "draught": "draft",
    "storey": "story",
    "storeys": "stories",
    "whilst": "while",
    "amongst": "among",
}

# Words that end like a British spelling but are spelt so in American English too.
_ISE_KEEP = frozenset(
    """advise advised advises advising adviser advisers arise arises arising arisen compromise compromised
    comprise comprised comprises comprising concise demise devise devised devising disguise disguised
    enterprise enterprises excise excised exercise exercised exercises exercising expertise franchise
    improvise improvised incise incised merchandise noise noises otherwise paradise poise praise praised
    precise premise premises promise promised promises promising raise raised raises raising revise revised
    revises revising rise rises rising supervise supervised supervises supervising supervisor supervisors
    surmise surprise surprised surprises surprising televise treatise wise likewise clockwise despise
    despised circumcise circumcised circumcision cruise bruise bruised guise reprise chemise anise vise
    appraise appraised appraising apprise""".split()
)
_OUR_KEEP = frozenset(
    """four hour hours your yours our ours pour poured pouring tour tours toured touring flour sour soured
    detour detours contour contours devour devoured velour amour dour scour scoured paramour troubadour
    fourteen fourth""".split()
)

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # -ise/-isation/-iser family: organisation, randomised, hospitalising, stabiliser
    (re.compile(r"^(\w{2,}?)is(e|ed|es|ing|ation|ations|ational|er|ers|able)$"), r"\1iz\2"),
    # -yse: analyse, paralysed, catalysing, dialyse
    (re.compile(r"^(\w*(?:anal|paral|catal|dial|electrol|hydrol))ys(e|ed|es|ing|er|ers)$"), r"\1yz\2"),
    # -our: behaviour, colours, tumour, favourable, honoured
    (re.compile(r"^(\w{2,}?)our(s|ed|ing|able|ably|ful|less|ite|ites|er|ers|al)?$"), r"\1or\2"),
    # -tre: centre, centres, centred, fibre, litre, metre, theatre, calibre, spectre
    (re.compile(r"^(\w*?(?:cen|fib|lit|me|thea|cali|spec|mea|sab|lus|goi|sombe))tre(s|d)?$"), r"\1ter\2"),
)
# Greek-derived medical words spelt with ae/oe: paediatric, aetiology, oesophagus, oestrogen, foetal, ...
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("paed", "ped"),
    ("orthopaed", "orthoped"),
    ("aetiol", "etiol"),
    ("anaesth", "anesth"),
    ("gynaec", "gynec"),
    ("oesoph", "esoph"),
    ("oestr", "estr"),
    ("oestradiol", "estradiol"),
    ("caesar", "cesar"),
    ("haem", "hem"),
    ("foet", "fet"),
    ("encyclopaed", "encycloped"),
    ("archaeo", "archeo"),
)

_PREFIX_STARTS = tuple(prefix for prefix, _ in _PREFIXES)


@lru_cache(maxsize=100_000)
def american(word: str) -> str:
    """The American spelling of a lower-case word; the word itself when it has no other spelling."""
    if word in WORDS:
        return WORDS[word]
    if len(word) < 5 or not word.isalpha():
        return word
    if word.startswith(_PREFIX_STARTS):  # one test in C for most words, which start with none of them
        for prefix, replacement in _PREFIXES:
            if word.startswith(prefix):
                return replacement + word[len(prefix) :]
    if "aem" in word:  # anaemia, leukaemia, ischaemic, hypoglycaemia, septicaemia, haematoma
        word = word.replace("aemi", "emi").replace("haem", "hem")
    if "is" in word and word not in _ISE_KEEP:
        new = _RULES[0][0].sub(_RULES[0][1], word)
        if new != word:
            return new
    if "ys" in word:
        new = _RULES[1][0].sub(_RULES[1][1], word)
        if new != word:
            return new
    if "our" in word and word not in _OUR_KEEP:
        new = _RULES[2][0].sub(_RULES[2][1], word)
        if new != word:
            return new
    if "tre" in word:
        return _RULES[3][0].sub(_RULES[3][1], word).replace("terd", "tered")
    return word
