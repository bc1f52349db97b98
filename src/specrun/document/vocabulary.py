"""The words agents use for the parts of an answer, as data the Markdown reader looks up.

Agents name the seventeen items of a candidate in their own words ("Why now", "Boundary",
"Risks if we wait", "Slug") and the closing sections likewise ("Work that can run in
parallel", "Start first"). Each table below maps a field of the result document to the names
that mean it; the reader compares them folded (case, hyphens, slashes and spacing alike), so a
new synonym is one more string here, not another branch in the reader.

- ``ITEM_NAMES``: a label names an item when, folded, it is one of these, or one of these
  followed by a parenthesis or a colon ("Boundary to existing specs (extends Spec 111 ...)");
- ``ITEM_TRACES``: words whose presence in a candidate's text means an item the reader could
  not locate may still be there, so its absence is left for review rather than called a breach;
- ``CLOSING_NAMES``: a heading or bold label names a closing section when, folded, it contains
  one of these;
- ``CLOSING_TRACES``: words whose presence after the last candidate means a closing section the
  reader could not locate may still be there;
- ``STATEMENT_NAMES``: the bullets of an "Explicit statements" subsection (as ``specrun render``
  writes them), by a word their label contains, in the order they are tried;
- ``RELATIONSHIP_WORDS``: how a boundary entry says how it relates to a spec, when it gives no
  relationship in parentheses;
- ``SENTENCE_STOP``: where a sentence ends inside a line: at . ; ! ? and a space, but not after
  "e.g.", "i.e.", "vs." or "cf." (the rules cut sentences at the same places).
"""

import re

ITEM_NAMES: dict[str, tuple[str, ...]] = {
    "label": (
        "candidate label or confirmed spec number",
        "candidate label / spec number",
        "candidate label or spec number",
        "candidate label",
        "label",
        "spec number",
    ),
    "working_title": ("working title", "title"),
    "status": ("status",),
    "summary": ("summary", "overview"),
    "why_needed_now": (
        "why this is needed now",
        "why it is needed now",
        "why needed now",
        "why this matters now",
        "why now",
        "urgency",
    ),
    "boundary_to_existing_specs": (
        "boundary to existing specs",
        "boundaries to existing specs",
        "relationship to existing specs",
        "boundary",
        "boundaries",
    ),
    "problem_statement": ("problem statement", "problem"),
    "goals": ("goals",),
    "non_goals": ("non-goals", "out of scope"),
    "scope": ("scope", "in scope"),
    "target_model": ("target model", "target architecture", "target state"),
    "key_requirements": ("key requirements", "requirements"),
    "risks_if_not_implemented": (
        "risks if not implemented",
        "risks of not implementing",
        "risks if we wait",
        "risks",
    ),
    "dependencies_and_sequencing": (
        "dependencies and sequencing notes",
        "dependencies and sequencing",
        "dependencies sequencing",  # "Dependencies / sequencing"
        "dependencies",
        "sequencing",
    ),
    "delivery_recommendation": ("delivery recommendation", "delivery"),
    "implementation_priority": (
        "suggested implementation priority",
        "implementation priority",
        "priority",
    ),
    "slug": ("suggested slug", "slug"),
    "explicit_statements": ("explicit statements",),
}

ITEM_TRACES: dict[str, tuple[str, ...]] = {
    "label": ("label",),
    "working_title": ("title",),
    "status": ("status",),
    "summary": ("summary", "overview"),
    "why_needed_now": ("why", "urgen"),
    "boundary_to_existing_specs": ("boundar",),
    "problem_statement": ("problem",),
    "goals": ("goal",),
    "non_goals": ("non goal", "out of scope"),
    "scope": ("scope",),
    "target_model": ("target",),
    "key_requirements": ("requirement",),
    "risks_if_not_implemented": ("risk",),
    "dependencies_and_sequencing": ("depend", "sequenc"),
    "delivery_recommendation": ("deliver",),
    "implementation_priority": ("priorit",),
    "slug": ("slug",),
}

CLOSING_NAMES: dict[str, tuple[str, ...]] = {
    "recommended_implementation_order": (
        "implementation order",
        "recommended order",
        "order of implementation",
    ),
    "parallel_tracks": ("parallel",),
    "start_first": ("start first", "starts first", "first to start", "recommended start"),
    "numbering_strategy": ("numbering",),
}

CLOSING_TRACES: dict[str, tuple[str, ...]] = {
    "recommended_implementation_order": ("order", "sequenc", "roadmap"),
    "parallel_tracks": ("parallel", "concurren", "track"),
    "start_first": ("start", "first"),
    "numbering_strategy": ("number",),
}

STATEMENT_NAMES: dict[str, tuple[str, ...]] = {
    "ui_only_authorization_insufficient": ("ui only", "ui authori"),
    "livewire_public_state_untrusted": ("livewire",),
    "negative_path_regression_tests_required": ("negative path", "regression"),
    "operation_run_audit_hardening": ("operationrun", "operation run", "audit"),
}

RELATIONSHIP_WORDS = (
    "extends",
    "extend",
    "complements",
    "complement",
    "depends on",
    "builds on",
    "hardens",
    "aligns with",
    "relies on",
    "reuses",
    "uses",
    "consumes",
    "generalizes",
    "generalises",
    "is adjacent to",
    "adjacent",
    "related",
)

_FOLD = re.compile(r"[\s\-/_]+")


def fold(text: str) -> str:
    """A name as the tables compare it: lowercase, with hyphens, slashes and spacing alike."""
    return _FOLD.sub(" ", text.casefold()).strip(" .:;,*_`")


SENTENCE_STOP = r"(?<=[.;!?])(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\bcf\.)\s+"
