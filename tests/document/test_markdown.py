"""Reading Markdown answers: the layouts agents write, spans that are the file's own text, and
what is never structure."""

from typing import Any

import pytest
from support import FIXTURES

from specrun.document.markdown import (
    ITEMS,
    MarkdownAnswer,
    NoCandidates,
    item_name,
    read_markdown,
)
from specrun.document.model import THEMES

ANSWERS = FIXTURES / "answers"
MARKDOWN_ANSWERS = sorted(ANSWERS.glob("md-*.md"))
MARKDOWN_ANSWERS = [path for path in MARKDOWN_ANSWERS if not path.name.endswith(".lapses.md")]
# Values read from the words written, not copied: a label, a theme, a fixed-set value.
CANONICAL = {"label", "theme", "status", "delivery_recommendation", "implementation_priority"}

ITEMS_AS_BOLD_NUMBERED = """\
1. **Label:** Candidate {letter}
2. **Title:** Title {letter}
3. **Status:** Proposed.
4. **Summary:** The summary of {letter} in words.
5. **Why now:** The audit found it in {letter}.
6. **Boundary:**
   - **Spec 110** (extends): It adds to Spec 110 without duplicating it.
7. **Problem:** The problem of {letter} in words.
8. **Goals:**
   - First goal of {letter}.
   - Second goal of {letter}.
9. **Non-goals:**
   - A non-goal.
10. **Scope:**
    - A scope item.
11. **Target model:** The target of {letter} in words.
12. **Key requirements:**
    - A requirement.
13. **Risks:**
    - A risk.
14. **Dependencies:** After Spec 110, in that order.
15. **Delivery:** Phased spec.
16. **Priority:** High
17. **Slug:** `slug-{lower}`
"""


def answer(candidates: str, closing: str = "") -> MarkdownAnswer:
    return read_markdown(f"# Answer\n\nSome context.\n\n{candidates}\n{closing}")


def numbered(heading: str, letter: str) -> str:
    body = ITEMS_AS_BOLD_NUMBERED.format(letter=letter, lower=letter.lower())
    return f"{heading}\n\n{body}\n"


def first(read: MarkdownAnswer) -> dict[str, Any]:
    candidate: dict[str, Any] = read.data["candidates"][0]
    return candidate


@pytest.mark.parametrize(
    ("heading", "label", "number", "title"),
    [
        ("## Candidate A — Queued trust", "Candidate A", None, "Queued trust"),
        ("## Candidate A: Queued trust", "Candidate A", None, "Queued trust"),
        ("## Spec 139 — Queued trust", "Spec 139", 139, "Queued trust"),
        ("## A. Queued trust", "Candidate A", None, "Queued trust"),
        ("### 1. Candidate A – Queued trust", "Candidate A", None, "Queued trust"),
        ("## **Candidate A** — Queued trust", "Candidate A", None, "Queued trust"),
        ("## **A.** Queued trust", "Candidate A", None, "Queued trust"),
        ("## Candidate 1 — Queued trust", "Candidate 1", None, "Queued trust"),
    ],
)
def test_candidate_headings(heading: str, label: str, number: int | None, title: str) -> None:
    text = f"{heading}\n\n**Summary:** Something concrete happens.\n"
    candidate = first(read_markdown(text))
    assert (candidate["label"], candidate["spec_number"]) == (label, number)
    assert candidate["working_title"] == title
    assert candidate["theme"] == THEMES[0]


def test_numbered_bold_items_in_agent_words() -> None:
    read = answer("".join(numbered(f"## Candidate {x}: T", x) for x in "ABCD"))
    candidate = first(read)
    assert candidate["summary"] == "The summary of A in words."
    assert candidate["why_needed_now"] == "The audit found it in A."
    assert candidate["goals"] == ["First goal of A.", "Second goal of A."]
    assert candidate["status"] == "Proposed"
    assert candidate["delivery_recommendation"] == "phased spec"
    assert candidate["implementation_priority"] == "High"
    assert candidate["slug"] == "slug-a"
    assert candidate["boundary_to_existing_specs"] == [
        {
            "spec": "Spec 110",
            "relationship": "extends",
            "statement": "It adds to Spec 110 without duplicating it.",
        }
    ]
    assert read.located()[:2] == (68, 68)


def test_items_as_subheadings_and_bold_labels_and_a_table() -> None:
    text = (
        "## Candidate A — One\n\n### 4. Summary\n\nSummary by subheading.\n\n"
        "### 8. Goals\n\n- goal one\n- goal two\n\n"
        "## Candidate B — Two\n\n**Summary.** Summary by a bold label.\n\n"
        "**Goals:**\n\n- goal three\n\n"
        "## Candidate C — Three\n\n| Item | Details |\n|---|---|\n"
        "| Summary | Summary in a cell. |\n| Goals | 1. first<br>2. second |\n"
    )
    candidates = read_markdown(text).data["candidates"]
    assert [c["summary"] for c in candidates] == [
        "Summary by subheading.",
        "Summary by a bold label.",
        "Summary in a cell.",
    ]
    assert [c["goals"] for c in candidates] == [
        ["goal one", "goal two"],
        ["goal three"],
        ["first", "second"],
    ]


def test_a_heading_in_a_fence_a_quote_or_html_is_text() -> None:
    text = (
        "## Candidate A: Real\n\n**Summary:** Before the fence.\n\n"
        "```markdown\n## Candidate B: Fenced\n**Goals:** none\n```\n\n"
        "> ## Candidate C: Quoted\n\n<details>\n## Candidate D: In HTML\n</details>\n"
    )
    read = read_markdown(text)
    assert [c["label"] for c in read.data["candidates"]] == ["Candidate A"]
    assert "## Candidate B: Fenced" in read.data["candidates"][0]["summary"]
    assert read.data["candidates"][0]["goals"] == []


def test_no_candidate_sections() -> None:
    with pytest.raises(NoCandidates):
        read_markdown("# Title\n\n## Context\n\nProse.\n")


@pytest.mark.parametrize(
    "closing",
    [
        "## A. Recommended implementation order\n\n1. Candidate B\n2. Candidate A\n"
        "3. Candidate D\n4. Candidate C\n\n## B. Parallel tracks\n\n- A and B: they share "
        "nothing.\n\n## C. Start first\n\nCandidate B starts first, because it is the base.\n\n"
        "## D. Numbering strategy\n\nAssign numbers when each branch is created.\n",
        "## Closing notes\n\n- **A. Recommended implementation order:** Candidate B, Candidate "
        "A, Candidate D, Candidate C.\n- **B. Parallel tracks:**\n  - **Track 1:** A and B, they "
        "share nothing.\n- **C. Start first: Candidate B.** It is the base.\n"
        "- **D. Numbering strategy:** Assign numbers when each branch is created.\n",
        "## Delivery plan\n\n**Recommended implementation order:** Candidate B, then Candidate A, "
        "Candidate D and Candidate C.\n\n**Work that can run in parallel:**\n\n- A and B, since "
        "they share nothing.\n\n**Start first: Candidate B.** It is the base.\n\n"
        "**Numbering:** Assign numbers when each branch is created.\n",
    ],
    ids=["headings", "bold-list", "one-section"],
)
def test_closing_sections_in_three_layouts(closing: str) -> None:
    read = answer("".join(numbered(f"## Candidate {x}: T", x) for x in "ABCD"), closing)
    data = read.data
    assert data["recommended_implementation_order"] == [f"Candidate {x}" for x in "BADC"]
    assert data["parallel_tracks"][0]["candidates"] == ["Candidate A", "Candidate B"]
    assert data["start_first"]["candidate"] == "Candidate B"
    assert data["numbering_strategy"].endswith("Assign numbers when each branch is created.")
    assert read.located()[2] == 4


def test_the_explicit_statements_subsection_is_read_as_such() -> None:
    text = (
        "## Candidate A: T\n\n**Summary:** Text here.\n\n### Explicit statements\n\n"
        "- **UI-only authorization:** UI-only checks are insufficient.\n"
        "- **Negative-path regression tests:** They are required.\n"
    )
    read = read_markdown(text)
    statements = first(read)["explicit_statements"]
    assert statements["ui_only_authorization_insufficient"] == "UI-only checks are insufficient."
    assert statements["negative_path_regression_tests_required"] == "They are required."
    assert statements["livewire_public_state_untrusted"] is None
    assert read.whole_texts == {}


def test_a_statement_whose_label_makes_it_keeps_its_label() -> None:
    """ "**UI-only authorization is insufficient.** text" says it in the label: the label is
    part of the statement; "**Name:** text" only names it."""
    text = (
        "## Candidate A: T\n\n**Summary:** Text here.\n\n### Explicit statements\n\n"
        "- **UI-only authorization is insufficient.** The dispatch check is a precondition.\n"
        "- **Negative-path regression tests are required**, at minimum for revoked members.\n"
        "- **Livewire public state**: untrusted.\n"
    )
    statements = first(read_markdown(text))["explicit_statements"]
    assert statements["ui_only_authorization_insufficient"] == (
        "**UI-only authorization is insufficient.** The dispatch check is a precondition."
    )
    assert statements["negative_path_regression_tests_required"].startswith(
        "**Negative-path regression tests are required**, at minimum"
    )
    assert statements["livewire_public_state_untrusted"] == "untrusted."


def test_without_a_statements_subsection_the_whole_text_is_kept() -> None:
    read = read_markdown("## Candidate A: T\n\n**Summary:** UI checks are not enough.\n")
    assert first(read)["explicit_statements"] == dict.fromkeys(first(read)["explicit_statements"])
    assert "UI checks are not enough." in read.whole_texts["A"]


def test_an_item_not_located_records_whether_something_resembles_it() -> None:
    read = read_markdown("## Candidate A: T\n\n**Summary:** The slug is chosen later.\n")
    assert read.missing["Candidate A > slug"] is True
    assert read.missing["Candidate A > non_goals"] is False


def test_several_delivery_values_are_a_doubt() -> None:
    text = "## Candidate A: T\n\n**Delivery:** Hotfix now, then a phased spec.\n"
    read = read_markdown(text)
    assert first(read)["delivery_recommendation"] == "hotfix"
    assert [doubt[0] for doubt in read.doubts] == ["SC105"]


@pytest.mark.parametrize(
    ("value", "delivery", "doubted"),
    [
        ("**Phased spec**, with a hotfix-grade Phase 0 for F-08.", "phased spec", False),
        ("**Phased spec, with an immediate containment hotfix.**", "phased spec", True),
        ("Phased spec (Phase 1: hotfix the route binding).", "phased spec", True),
        ("**No hotfix.** A dedicated spec, delivered in one change.", "hotfix", True),
        ("**Not a hotfix**: a dedicated spec.", "hotfix", True),
    ],
)
def test_a_value_an_opening_bold_span_names_alone_is_the_choice(
    value: str, delivery: str, doubted: bool
) -> None:
    read = read_markdown(f"## Candidate A: T\n\n### Delivery recommendation\n\n{value}\n")
    assert first(read)["delivery_recommendation"] == delivery
    assert bool(read.doubts) is doubted


@pytest.mark.parametrize(
    ("label", "item"),
    [
        ("Why now", "why_needed_now"),
        ("4. Summary", "summary"),
        ("Risks if we wait", "risks_if_not_implemented"),
        ("Non-goals", "non_goals"),
        ("Candidate label / spec number", "label"),
        ("Boundary to existing specs (extends Spec 111)", "boundary_to_existing_specs"),
        ("4. **Summary**", "summary"),
        ("`Slug`", "slug"),
        ("Dependencies / sequencing", "dependencies_and_sequencing"),
        ("Scope continuity", None),
        ("Execution context", None),
    ],
)
def test_item_names(label: str, item: str | None) -> None:
    named = item_name(label)
    assert (named[0] if named else None) == item


def walk(value: object, path: str) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for key, inner in value.items() for pair in walk(inner, f"{path}.{key}")]
    if isinstance(value, list):
        return [pair for i, inner in enumerate(value) for pair in walk(inner, f"{path}[{i}]")]
    return [(path, value)] if isinstance(value, str) else []


@pytest.mark.parametrize("path", MARKDOWN_ANSWERS, ids=lambda path: path.name)
def test_every_extracted_value_is_text_of_the_file(path: object) -> None:
    text = ANSWERS.joinpath(str(path)).read_text(encoding="utf-8")
    read = read_markdown(text)
    for where, value in walk(read.data, "answer"):
        field = where.rsplit(".", 1)[-1].split("[")[0]
        if field in CANONICAL or ".recommended_implementation_order" in where:
            continue
        if ".candidates[" in where and "parallel_tracks" in where:
            continue
        if where.endswith("start_first.candidate"):
            continue
        assert value in text, (where, value[:80])
    for span in read.spans.values():
        assert span.line == text.count("\n", 0, span.start) + 1


@pytest.mark.parametrize(
    "path",
    [p for p in MARKDOWN_ANSWERS if "mid-1" not in p.name],
    ids=lambda path: path.name,
)
def test_every_item_of_a_corpus_answer_is_located(path: object) -> None:
    read = read_markdown(ANSWERS.joinpath(str(path)).read_text(encoding="utf-8"))
    assert read.located() == (4 * len(ITEMS), 4 * len(ITEMS), 4)


def test_a_title_that_looks_like_a_candidate_does_not_swallow_the_candidates() -> None:
    text = "# Spec 139 to 142: proposals\n\n" + "".join(
        numbered(f"## Candidate {x}: T", x) for x in "ABCD"
    )
    read = read_markdown(text)
    assert [c["label"] for c in read.data["candidates"]] == [f"Candidate {x}" for x in "ABCD"]


def test_a_field_table_whose_first_row_is_an_item() -> None:
    text = "## Candidate A: T\n\n| Status | Proposed |\n|---|---|\n| Summary | In a cell. |\n"
    candidate = first(read_markdown(text))
    assert (candidate["status"], candidate["summary"]) == ("Proposed", "In a cell.")


def test_a_bare_letter_label_names_its_candidate() -> None:
    read = read_markdown("## Queued trust\n\n### Candidate B: Queued trust\n\n**Label:** B\n")
    assert (first(read)["label"], first(read)["theme"]) == ("Candidate B", THEMES[1])


def test_what_follows_a_boundary_without_naming_a_spec_is_part_of_its_statement() -> None:
    """A table of what stays where and a list of what goes to other candidates, under the
    entry that names the spec: the rules read them as that boundary's statement, one slice."""
    table = (
        "| Concern | Spec 138 | Candidate D |\n|---|---|---|\n"
        "| Draft identity | owns it | consumes it |\n| Wizard state | out of scope | owns it |\n"
    )
    text = (
        "## Candidate D — Wizard state\n\n### Boundary to existing specs\n\n"
        "**D complements Spec 138 without duplicating it:**\n\n"
        f"{table}\nOther boundaries:\n\n- Candidate B owns query scoping.\n\n"
        "Spec 110 keeps the operations hub.\n\n### Summary\n\nSomething concrete.\n"
    )
    read = read_markdown(text)
    first_boundary, second = first(read)["boundary_to_existing_specs"]
    assert first_boundary["spec"] == "Spec 138"
    assert first_boundary["statement"].startswith("**D complements Spec 138")
    assert "| Wizard state | out of scope | owns it |" in first_boundary["statement"]
    assert first_boundary["statement"].endswith("- Candidate B owns query scoping.")
    assert first_boundary["statement"] in text
    assert (second["spec"], second["statement"]) == (
        "Spec 110",
        "Spec 110 keeps the operations hub.",
    )


def test_a_bold_label_inside_an_item_does_not_take_the_place_of_its_heading() -> None:
    """A "**Delivery.**" bullet among the dependencies is their text; the delivery
    recommendation is the heading of that name."""
    text = (
        "## Candidate C — Findings\n\n### 14. Dependencies and sequencing notes\n\n"
        "- **Soft dependency on Candidate A.** Jobs adopt A's contract.\n"
        "- **Delivery.** A single bounded delivery is feasible.\n\n"
        "### 15. Delivery recommendation\n\n**Dedicated spec.** The scope is bounded.\n"
    )
    candidate = first(read_markdown(text))
    assert candidate["delivery_recommendation"] == "dedicated spec"
    assert "A single bounded delivery is feasible." in candidate["dependencies_and_sequencing"]


def test_a_label_whose_item_has_a_heading_still_ends_the_item_before_it() -> None:
    """ "**Out of scope**" under the scope's heading is not the non-goals (their heading came
    first), but the scope ends there."""
    text = (
        "## Candidate A: T\n\n### 9. Non-goals\n\n- Not this.\n\n### 10. Scope\n\n"
        "**In scope**\n\n- one\n- two\n\n**Out of scope**\n\n- three\n\n"
        "### 11. Target model\n\nModel.\n"
    )
    candidate = first(read_markdown(text))
    assert candidate["scope"][-2:] == ["one", "two"]
    assert candidate["non_goals"] == ["Not this."]


def test_a_boundary_statement_goes_on_through_labelled_bullets_of_its_own() -> None:
    """ "**No duplication:** ..." after the Spec 111 entry is that boundary's statement."""
    text = (
        "## Candidate C: T\n\n### Boundary to existing specs\n\n"
        "- **Spec 111** (extends): C enforces the states 111 defines.\n"
        "- **No duplication:** states and SLA timers are not redefined here.\n\n"
        "### Summary\n\nSomething.\n"
    )
    [boundary] = first(read_markdown(text))["boundary_to_existing_specs"]
    assert boundary["statement"].endswith("states and SLA timers are not redefined here.")
    assert boundary["statement"] in text


@pytest.mark.parametrize(
    "label",
    [
        "**Negative-path regression tests (required)** — not planned for now.",
        "**Negative-path regression tests** : not planned for now.",
        "**Negative-path regression tests** - not planned for now.",
    ],
)
def test_a_label_followed_by_a_colon_or_a_dash_only_names_the_statement(label: str) -> None:
    text = f"## Candidate A: T\n\n### Explicit statements\n\n- {label}\n"
    statements = first(read_markdown(text))["explicit_statements"]
    assert statements["negative_path_regression_tests_required"] == "not planned for now."


def test_a_label_in_a_later_paragraph_of_a_list_item_is_that_items_text() -> None:
    text = (
        "## Candidate A: T\n\n### 12. Dependencies\n\n"
        "- Spec 110 first.\n\n  **Delivery:** in one change.\n"
        "- Spec 134 next.\n- Spec 135 after.\n\n"
        "### 15. Delivery recommendation\n\nDedicated spec.\n"
    )
    candidate = first(read_markdown(text))
    assert "Spec 135 after." in candidate["dependencies_and_sequencing"]
    assert candidate["delivery_recommendation"] == "dedicated spec"


def test_an_overview_row_must_open_with_the_candidate() -> None:
    """A findings table that mentions a candidate in passing gives it nothing."""
    text = (
        "# Candidates\n\n| Finding | Status | Priority |\n|---|---|---|\n"
        "| F-08 route binding (Candidate A) | Open | Low |\n"
        "| the candidate a reviewer flagged | Open | Low |\n\n"
        "## Candidate A: One\n\n**Summary:** Text.\n"
    )
    read = read_markdown(text)
    assert first(read)["status"] == ""
    assert "Candidate A > status" in read.missing
    assert "Candidate A > implementation_priority" in read.missing


def test_an_overview_table_gives_what_a_candidate_section_leaves_out() -> None:
    """A row per candidate, a column per item, before the first candidate: a value found only
    there is the candidate's (with the table's line); one its section gives wins."""
    text = (
        "# Candidates\n\n| Label | Priority | Delivery | Risks |\n|---|---|---|---|\n"
        "| **Candidate A** | **Critical** | Phased spec | many |\n"
        "| Candidate B | High | Hotfix | few |\n\n"
        "## Candidate A: One\n\n**Summary:** Text.\n\n"
        "## Candidate B: Two\n\n**Summary:** Text.\n\n"
        "**Delivery recommendation:** Dedicated spec.\n"
    )
    read = read_markdown(text)
    first_candidate, second = read.data["candidates"]
    assert first_candidate["implementation_priority"] == "Critical"
    assert first_candidate["delivery_recommendation"] == "phased spec"
    assert second["delivery_recommendation"] == "dedicated spec"
    assert read.spans["Candidate A > implementation_priority"].line == 5
    assert first_candidate["risks_if_not_implemented"] == []
    assert "Candidate A > risks_if_not_implemented" in read.missing
    assert "Candidate A > implementation_priority" not in read.missing
