"""searchlib's own English stopword list (no downloaded NLTK data is needed at run time).

Short on purpose: function words only. Words that carry meaning in health research ("no", "not",
"without", "against", "between", "after", "before", "over", "under") are kept, so that "no difference" or
"before discharge" still say what they mean. Single letters and numbers are never stopwords: "vitamin D",
"hepatitis C" and "type 2 diabetes" must stay searchable.
"""

from __future__ import annotations

STOPWORDS: frozenset[str] = frozenset(
    """
    a an the and or but nor so yet
    of in on at by for from to into onto upon with within via per than as
    is are was were be been being am do does did doing done has have had having
    it its it's this that these those there here which who whom whose what when where why how
    i me my we our ours us you your yours he him his she her hers they them their theirs
    itself themselves ourselves himself herself yourself yourselves myself
    will would shall should can could may might must
    also such both each either neither other others another any some all
    very too more most much many few less least only own same just even
    then thus hence therefore however although though whereas while whether if because since
    about above below again further once
    s t
    """.split()
) - {"s", "t"}  # kept out: "s"/"t" name things (T cells); listed so the intent is visible
