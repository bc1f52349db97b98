import json
import re
from typing import Any

from specrun.document.model import BindingDigest, Provenance, SpecCandidates
from specrun.document.render import render_json, render_markdown

ITEMS = (
    "Candidate label or confirmed spec number",
    "Working title",
    "Status",
    "Summary",
    "Why this is needed now",
    "Boundary to existing specs",
    "Problem statement",
    "Goals",
    "Non-goals",
    "Scope",
    "Target model",
    "Key requirements",
    "Risks if not implemented",
    "Dependencies and sequencing notes",
    "Delivery recommendation",
    "Suggested implementation priority",
    "Suggested slug",
)


def test_each_candidate_shows_the_seventeen_items_in_order(valid_document: dict[str, Any]) -> None:
    markdown = render_markdown(SpecCandidates.model_validate(valid_document))
    for section in re.split(r"^## Candidate ", markdown, flags=re.MULTILINE)[1:]:
        numbered = re.findall(r"^(\d+)\. \*\*([^*]+):\*\*", section, flags=re.MULTILINE)
        assert numbered == [(str(n), item) for n, item in enumerate(ITEMS, start=1)]


def test_explicit_statements_are_written_out(valid_document: dict[str, Any]) -> None:
    markdown = render_markdown(SpecCandidates.model_validate(valid_document))
    statement = valid_document["candidates"][3]["explicit_statements"]
    assert f"**Livewire public state:** {statement['livewire_public_state_untrusted']}" in markdown


def test_closing_sections_a_to_d_follow_the_candidates(valid_document: dict[str, Any]) -> None:
    markdown = render_markdown(SpecCandidates.model_validate(valid_document))
    headings = re.findall(r"^## ([A-D])\. ", markdown, flags=re.MULTILINE)
    assert headings == ["A", "B", "C", "D"]
    assert markdown.index("## A. Recommended") > markdown.index("## Candidate D")


def test_provenance_header_names_prompt_files_and_numbering(valid_document: dict[str, Any]) -> None:
    provenance = Provenance(
        prompt="tenantpilot.spec-candidates",
        binding_files=(BindingDigest(path="specs/x/spec.md", sha256="ab" * 32),),
        numbering="uncertain",
    )
    markdown = render_markdown(SpecCandidates.model_validate(valid_document), provenance)
    header = markdown.split("## Candidate A")[0]
    assert "tenantpilot.spec-candidates" in header
    assert f"`specs/x/spec.md` sha256 `{'ab' * 32}`" in header
    assert "Numbering: uncertain" in header


def test_json_rendering_is_the_document_itself(valid_document: dict[str, Any]) -> None:
    assert json.loads(render_json(SpecCandidates.model_validate(valid_document))) == valid_document
