"""Markdown rendering of a result document.

Per candidate, the seventeen numbered items of the prompt's output requirements, with the
explicit statements written out; then the closing sections A to D. A run adds a provenance
header (prompt, binding files with sha256, numbering status) from its context. A lone
surrogate in the document's text, which UTF-8 cannot encode, is shown as U+FFFD; JSON writes
control and bidi characters as JSON escapes (``gates.terminal.json_escaped``), so it stays the
same JSON with nothing in it for a terminal to act on.
"""

import json

from specrun.document.model import (
    PROVENANCE_KEY,
    Provenance,
    SpecCandidate,
    SpecCandidates,
    without_lone_surrogates,
)
from specrun.gates.terminal import json_escaped

STATEMENT_TITLES = {
    "ui_only_authorization_insufficient": "UI-only authorization",
    "livewire_public_state_untrusted": "Livewire public state",
    "negative_path_regression_tests_required": "Negative-path regression tests",
    "operation_run_audit_hardening": "OperationRun and audit semantics",
}


def _bullets(items: list[str]) -> str:
    return "\n".join(f"    - {item}" for item in items)


def _candidate(candidate: SpecCandidate) -> str:
    boundaries = "\n".join(
        f"    - **{b.spec}** ({b.relationship}): {b.statement}"
        for b in candidate.boundary_to_existing_specs
    )
    statements = "\n".join(
        f"- **{STATEMENT_TITLES.get(field, field)}:** {text}"
        for field, text in candidate.explicit_statements
        if text is not None
    )
    items = [
        f"1. **Candidate label or confirmed spec number:** {candidate.label}",
        f"2. **Working title:** {candidate.working_title}",
        f"3. **Status:** {candidate.status}",
        f"4. **Summary:** {candidate.summary}",
        f"5. **Why this is needed now:** {candidate.why_needed_now}",
        f"6. **Boundary to existing specs:**\n{boundaries}",
        f"7. **Problem statement:** {candidate.problem_statement}",
        f"8. **Goals:**\n{_bullets(candidate.goals)}",
        f"9. **Non-goals:**\n{_bullets(candidate.non_goals)}",
        f"10. **Scope:**\n{_bullets(candidate.scope)}",
        f"11. **Target model:** {candidate.target_model}",
        f"12. **Key requirements:**\n{_bullets(candidate.key_requirements)}",
        f"13. **Risks if not implemented:**\n{_bullets(candidate.risks_if_not_implemented)}",
        f"14. **Dependencies and sequencing notes:** {candidate.dependencies_and_sequencing}",
        f"15. **Delivery recommendation:** {candidate.delivery_recommendation}",
        f"16. **Suggested implementation priority:** {candidate.implementation_priority}",
        f"17. **Suggested slug:** `{candidate.slug}`",
    ]
    heading = f"## {candidate.label}: {candidate.working_title}"
    return f"{heading}\n\n" + "\n".join(items) + f"\n\n### Explicit statements\n\n{statements}\n"


def _provenance(provenance: Provenance) -> str:
    files = "\n".join(f"- `{f.path}` sha256 `{f.sha256}`" for f in provenance.binding_files)
    return (
        f"Prompt: `{provenance.prompt}`  \nNumbering: {provenance.numbering}\n\n"
        f"Binding files:\n\n{files}\n"
    )


def render_markdown(document: SpecCandidates, provenance: Provenance | None = None) -> str:
    tracks = "\n".join(
        f"- {', '.join(track.candidates)}: {track.rationale}" for track in document.parallel_tracks
    )
    order = "\n".join(
        f"{position}. {label}"
        for position, label in enumerate(document.recommended_implementation_order, start=1)
    )
    parts = ["# Spec candidates\n"]
    if provenance is not None:
        parts.append(_provenance(provenance))
    parts += [_candidate(candidate) for candidate in document.candidates]
    parts += [
        f"## A. Recommended implementation order\n\n{order}\n",
        f"## B. Candidates that can run in parallel\n\n{tracks}\n",
        f"## C. Start first\n\n**{document.start_first.candidate}**: "
        f"{document.start_first.rationale}\n",
        f"## D. Numbering strategy\n\n{document.numbering_strategy}\n",
    ]
    return without_lone_surrogates("\n".join(parts))


def render_json(document: SpecCandidates, provenance: Provenance | None = None) -> str:
    """The result JSON; with ``provenance`` (a run's), ``render`` of it prints what the run did."""
    data = document.model_dump(mode="json")
    if provenance is not None:
        data[PROVENANCE_KEY] = provenance.model_dump(mode="json")
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return json_escaped(without_lone_surrogates(text))
