"""Section finding: every abstract form the parser must read, on small hand-written fixtures."""

from __future__ import annotations

import pytest

from searchlib.records.markup import html_to_text
from searchlib.records.sections import CATEGORIES, Section, label_category, parse_abstract
from tests.conftest import FIXTURES as FIXTURES_DIR

FIXTURES = FIXTURES_DIR / "sections"


def labels(sections: list[Section]) -> list[tuple[str | None, str]]:
    return [(s.label, s.category) for s in sections]


# --- the seed forms ---------------------------------------------------------------------------------------------


def test_seed_structured_form():
    html = (
        "<p><strong>Introduction and aims: </strong>Falls are common in hospital.</p>"
        "<p><strong>Methods: </strong>We interviewed 19 nurses.</p>"
        "<p><strong>Findings: </strong>Fewer falls.</p>"
        "<p><strong>Discussion: </strong>Rounding helps.</p>"
    )
    assert parse_abstract(html) == [
        Section("Introduction and aims", "objective", "Falls are common in hospital."),
        Section("Methods", "methods", "We interviewed 19 nurses."),
        Section("Findings", "results", "Fewer falls."),
        Section("Discussion", "conclusions", "Rounding helps."),
    ]


def test_seed_unstructured_form_is_one_unlabelled_section():
    assert parse_abstract("<p><p>Hospital falls are common. We review them.</p></p>") == [
        Section(None, "other", "Hospital falls are common. We review them.")
    ]


@pytest.mark.parametrize("junk", ["", "   ", None, "Abstract", "ABSTRACT", ",", "<p></p>", "<p>Summary</p>"])
def test_empty_and_placeholder_abstracts_give_no_sections(junk):
    assert parse_abstract(junk) == []


@pytest.mark.parametrize("short", ["Erratum.", "Retraction notice", "<p>Guest editorial\u00a0</p>"])
def test_an_abstract_of_a_word_or_two_is_text(short):
    # It says what the paper is: a correction, a retraction, an editorial.
    assert parse_abstract(short) == [Section(None, "other", " ".join(html_to_text(short).split()))]


# --- HTML headings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p><b>Background</b>: Falls are common.</p><p><b>Results</b>: Fewer falls.</p>",
        # unclosed <p>
        "<p><strong>Background:</strong> Falls are common.<p><strong>Results:</strong> Fewer falls.",
        "<h3>Background</h3><p>Falls are common.</p><h3>Results</h3><p>Fewer falls.</p>",
        "<div><p><b>Background</b></p><p>Falls are common.</p><p><b>Results</b></p><p>Fewer falls.</p></div>",
    ],
)
def test_html_heading_variants(html):
    assert parse_abstract(html) == [
        Section("Background", "background", "Falls are common."),
        Section("Results", "results", "Fewer falls."),
    ]


def test_europepmc_h4_headings_with_inline_markup():
    sections = parse_abstract((FIXTURES / "europepmc.html").read_text("utf-8"))
    assert labels(sections) == [
        ("Objective", "objective"),
        ("Design", "methods"),
        ("Main Conclusions", "conclusions"),
    ]
    assert sections[0].text == "This study asked whether H2S slows tumour growth."
    assert sections[2].text == "It did, at 105 cells. Keywords: cancer, sulfide"  # a keyword list is no section


def test_bold_word_inside_a_paragraph_is_not_a_heading():
    sections = parse_abstract(
        "<p>We studied <b>Results</b>: a new journal, and <strong>Methods:</strong> too.</p>"
    )
    assert labels(sections) == [(None, "other")]


# --- JATS ------------------------------------------------------------------------------------------------------


def test_crossref_jats_with_leading_abstract_title():
    sections = parse_abstract((FIXTURES / "crossref_jats.xml").read_text("utf-8"))
    assert labels(sections) == [
        ("Background", "background"),
        ("Patients and methods", "methods"),
        ("Conclusions/Significance", "conclusions"),
    ]
    assert sections[0].text == "Night shifts disturb sleep in nurses working on intensive care units."
    assert sections[1].text == "We followed 120 nurses for 2 years (<1 % lost)."


def test_pmc_jats_repeated_article_title_is_not_a_section():
    xml = (
        "<title>Sleep of nurses on night shifts</title><sec><title>Methods</title><p>A cohort.</p></sec>"
        "<sec><title>Results</title><p>Less sleep.</p></sec>"
    )
    assert parse_abstract(xml) == [
        Section("Methods", "methods", "A cohort."),
        Section("Results", "results", "Less sleep."),
    ]


def test_jats_unstructured_with_summary_title():
    assert parse_abstract("<jats:title>Summary</jats:title><jats:p>We describe a new frog.</jats:p>") == [
        Section(None, "other", "We describe a new frog.")
    ]


# --- plain text with inline labels -----------------------------------------------------------------------------


def test_medline_upper_case_labels():
    text = (
        "BACKGROUND: Falls are common. METHODS: We did a trial. RESULTS: The results of the trial were clear. "
        "CONCLUSION(S): Rounding helps. TRIAL REGISTRATION NUMBER: ISRCTN123."
    )
    assert labels(parse_abstract(text)) == [
        ("BACKGROUND", "background"),
        ("METHODS", "methods"),
        ("RESULTS", "results"),
        ("CONCLUSION(S)", "conclusions"),
        ("TRIAL REGISTRATION NUMBER", "background"),
    ]
    assert parse_abstract(text)[2].text == "The results of the trial were clear."


def test_dash_labels():
    sections = parse_abstract("Background - Falls are common. Methods - We ran a trial in 2019-2020.")
    assert labels(sections) == [("Background", "background"), ("Methods", "methods")]
    assert sections[1].text == "We ran a trial in 2019-2020."


def test_semantic_scholar_bare_labels_after_abstract():
    text = (
        "Abstract Background Current interest in chatbots is high. Objective This study tests them. "
        "Methods We asked 20 questions. Results Answers were right. Conclusions Chatbots can help."
    )
    sections = parse_abstract(text)
    assert labels(sections) == [
        ("Background", "background"),
        ("Objective", "objective"),
        ("Methods", "methods"),
        ("Results", "results"),
        ("Conclusions", "conclusions"),
    ]
    assert sections[0].text == "Current interest in chatbots is high."


def test_bmj_bare_labels():
    text = (
        "Objective To examine whether rounding reduces falls. Design Randomised controlled trial. "
        "Setting 36 practices in England. Participants 1200 adults aged over 65. Main outcome measures Falls. "
        "Results Falls fell by 20% (95% CI 10% to 30%). Conclusions Rounding works. Trial registration ISRCTN1."
    )
    sections = parse_abstract(text)
    assert labels(sections) == [
        ("Objective", "objective"),
        ("Design", "methods"),
        ("Setting", "methods"),
        ("Participants", "methods"),
        ("Main outcome measures", "methods"),
        ("Results", "results"),
        ("Conclusions", "conclusions"),
        ("Trial registration", "background"),
    ]
    assert sections[1].text == "Randomised controlled trial."
    assert sections[5].text == "Falls fell by 20% (95% CI 10% to 30%)."


def test_medline_bare_labels_before_lower_case_text():
    sections = parse_abstract("OBJECTIVES to describe trends. DESIGN population study. RESULTS rates fell.")
    assert labels(sections) == [("OBJECTIVES", "objective"), ("DESIGN", "methods"), ("RESULTS", "results")]


def test_a_number_opening_a_sections_text_stays_in_the_text():
    # Scopus's RIS: "METHODS 64 client-owned puppies were enrolled" (no colon after the label).
    text = "OBJECTIVE To test it. METHODS 64 client-owned puppies were enrolled. CASE 1 A man of 54."
    sections = parse_abstract(text)
    assert [(s.label, s.text) for s in sections] == [
        ("OBJECTIVE", "To test it."),
        ("METHODS", "64 client-owned puppies were enrolled."),
        ("CASE 1", "A man of 54."),
    ]


def test_heading_word_inside_a_sentence_does_not_start_a_section():
    text = "We report the results of this study. Results show that methods matter. Methods: None were used here."
    sections = parse_abstract("We report the results of this study and the methods used. Results show gains.")
    assert labels(sections) == [(None, "other")]
    # Only "Methods:" (a label with its colon, at a sentence start) opens a section.
    assert labels(parse_abstract(text)) == [(None, "other"), ("Methods", "methods")]
    assert parse_abstract(text)[0].text == "We report the results of this study. Results show that methods matter."


def test_plain_text_paragraph_breaks_are_sentence_starts():
    sections = parse_abstract("Purpose: we test cats\nMethods: we counted them\nFindings: many cats")
    assert labels(sections) == [("Purpose", "objective"), ("Methods", "methods"), ("Findings", "results")]


# --- combined, variant and unknown labels ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("Patients and methods", "methods"),
        ("Methods and results", "results"),
        ("Aims and objectives", "objective"),
        ("Conclusions/Significance", "conclusions"),
        ("CONCLUSION(S)", "conclusions"),
        ("Trial registration number", "background"),
        ("MAIN OUTCOMEMEASURES", "methods"),  # typo in the source
        ("Materials & Methods", "methods"),
        ("Introduction and aims", "objective"),
        ("Discussion:", "conclusions"),
        ("Findings", "results"),
        ("Funding source unknown", "other"),
    ],
)
def test_label_category(label, category):
    assert label_category(label) == category
    assert category in (*CATEGORIES, "other")


def test_unknown_labels_keep_their_text_and_get_other():
    text = "BACKGROUND: Labs vary. SPECIMEN COLLECTION: Use tubes. CONCLUSIONS: Follow the guide."
    assert labels(parse_abstract(text)) == [
        ("BACKGROUND", "background"),
        ("SPECIMEN COLLECTION", "other"),
        ("CONCLUSIONS", "conclusions"),
    ]


def test_unknown_sentence_opening_is_not_taken_for_a_label():
    text = "BACKGROUND: Labs vary. We asked: would they agree? RESULTS: They did."
    sections = parse_abstract(text)
    assert labels(sections) == [("BACKGROUND", "background"), ("RESULTS", "results")]
    assert sections[0].text == "Labs vary. We asked: would they agree?"


def test_unstructured_abstract_with_colon_and_capitals_is_not_split():
    text = (
        "Deep networks are popular. Experiments: we ran three. Results indicate gains on ImageNet. "
        "Design Patterns are reused. Our code: github.com/x."
    )
    assert labels(parse_abstract(text)) == [(None, "other")]


def test_text_before_the_first_label_is_kept_unlabelled():
    sections = parse_abstract("<p>This trial was stopped early.</p><p><strong>Methods: </strong>A trial.</p>")
    assert sections == [
        Section(None, "other", "This trial was stopped early."),
        Section("Methods", "methods", "A trial."),
    ]


def test_leading_abstract_word_is_dropped_only_as_a_title():
    assert parse_abstract("ABSTRACT. We study cats.") == [Section(None, "other", "We study cats.")]
    assert parse_abstract("Abstract algebra is old.") == [Section(None, "other", "Abstract algebra is old.")]
    assert parse_abstract("Summary statistics are fine.") == [
        Section(None, "other", "Summary statistics are fine.")
    ]
