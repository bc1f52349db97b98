"""The result document: four spec candidates and the closing sections.

These models are the source of ``schemas/spec-candidates.schema.json``. The schema shows the
model every fixed set (status, delivery, priority, theme) as an enum and the count of four
candidates, but parsing accepts any string and any count: a value outside its set is a rule
violation with a code and a location (SC101, SC102, SC105), not an unreadable answer. A provider
that can enforce the count does (OpenAI strict mode); the rules judge it for the others. Every
field is required and nullable fields are explicit, as strict structured outputs demand.
"""

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from specrun.errors import InputError
from specrun.gates.limits import (
    MAX_NESTING,
    DuplicateKey,
    Limits,
    TooDeep,
    TooLarge,
    parse_json,
    read_regular_file,
    size_text,
)

THEMES = (
    "queued-execution-reauthorization",
    "tenant-owned-query-canon",
    "findings-workflow-enforcement",
    "livewire-context-locking",
)
STATUSES = ("Proposed",)
DELIVERY_RECOMMENDATIONS = ("hotfix", "dedicated spec", "phased spec")
PRIORITIES = ("Critical", "High", "Medium")
FOUR: dict[str, Any] = {"minItems": 4, "maxItems": 4}
LARGEST_SPEC_NUMBER = 999_999
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
DEFAULT_LIMITS = Limits()
MARKDOWN_REFUSAL = (
    "{path} is Markdown: render takes a result JSON (specrun run --format json); "
    "check a Markdown answer with specrun check {path}"
)


def _plausible_spec_number(value: int | None) -> int | None:
    """A number no repository could use is unreadable, not a rule violation: it keeps
    thousand-digit integers away from every message that would print them."""
    if value is not None and abs(value) > LARGEST_SPEC_NUMBER:
        raise ValueError(f"a spec number has at most {len(str(LARGEST_SPEC_NUMBER))} digits")
    return value


Theme = Annotated[str, WithJsonSchema({"type": "string", "enum": list(THEMES)})]
Status = Annotated[str, WithJsonSchema({"type": "string", "enum": list(STATUSES)})]
Delivery = Annotated[
    str, WithJsonSchema({"type": "string", "enum": list(DELIVERY_RECOMMENDATIONS)})
]
Priority = Annotated[str, WithJsonSchema({"type": "string", "enum": list(PRIORITIES)})]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Boundary(Strict):
    spec: str = Field(description="An existing spec, as 'Spec NNN'.")
    relationship: str = Field(
        description="How the candidate relates to it: extends, complements, depends on, ..."
    )
    statement: str = Field(
        description="Where the boundary lies and how the candidate avoids duplicating it."
    )


class ExplicitStatements(Strict):
    ui_only_authorization_insufficient: str | None = Field(
        description="States that UI-only authorization is insufficient, or null."
    )
    livewire_public_state_untrusted: str | None = Field(
        description="States that Livewire public state must be treated as untrusted input, or null."
    )
    negative_path_regression_tests_required: str | None = Field(
        description="States which negative-path regression tests are required, or null."
    )
    operation_run_audit_hardening: str | None = Field(
        description="States how OperationRun or audit semantics must be extended or hardened, "
        "or null."
    )


# The items of a candidate that are lists of points.
LIST_ITEMS = ("goals", "non_goals", "scope", "key_requirements", "risks_if_not_implemented")


class SpecCandidate(Strict):
    label: str = Field(description="'Candidate A'..'Candidate D', or 'Spec NNN' when proven.")
    spec_number: Annotated[int | None, AfterValidator(_plausible_spec_number)] = Field(
        description="The proven-available spec number, or null when numbering is uncertain."
    )
    theme: Theme = Field(description="The candidate's theme, one per candidate, in order.")
    working_title: str = Field(description="A short, specific title.")
    status: Status = Field(description="Always 'Proposed'.")
    summary: str = Field(description="What the spec establishes.")
    why_needed_now: str = Field(description="Why this is needed now, tied to audit findings.")
    boundary_to_existing_specs: list[Boundary]
    problem_statement: str = Field(description="The structural problem.")
    goals: list[str] = Field(description="Goals.")
    non_goals: list[str] = Field(description="Non-goals.")
    scope: list[str] = Field(description="What is in scope.")
    target_model: str = Field(description="The target architecture once the spec is implemented.")
    key_requirements: list[str] = Field(description="Key requirements, in formal spec language.")
    risks_if_not_implemented: list[str] = Field(description="Risks if not implemented.")
    dependencies_and_sequencing: str = Field(description="Dependencies and sequencing notes.")
    delivery_recommendation: Delivery = Field(description="How to deliver it.")
    implementation_priority: Priority = Field(description="Suggested implementation priority.")
    slug: str = Field(description="Lowercase kebab-case slug.")
    explicit_statements: ExplicitStatements


class ParallelTrack(Strict):
    candidates: list[str] = Field(description="Labels of candidates that can run in parallel.")
    rationale: str


class StartFirst(Strict):
    candidate: str = Field(description="The label of the candidate to start first.")
    rationale: str


class SpecCandidates(Strict):
    """Exactly four spec candidates, A to D, and the closing sections A to D."""

    candidates: list[SpecCandidate] = Field(
        description="Exactly four, in order A, B, C, D.", json_schema_extra=FOUR
    )
    recommended_implementation_order: list[str] = Field(
        description="The four candidate labels, each once, in implementation order.",
        json_schema_extra=FOUR,
    )
    parallel_tracks: list[ParallelTrack]
    start_first: StartFirst
    numbering_strategy: str = Field(
        description="How to assign spec numbers once the active numbering is known."
    )


PROVENANCE_KEY = "provenance"


def result_json_schema() -> dict[str, Any]:
    """The schema of a result file: the document the model is asked for, and the provenance that
    ``run`` adds beside it (optional, so a model's own answer fits too)."""
    schema = SpecCandidates.model_json_schema()
    provenance = Provenance.model_json_schema()
    schema["$defs"].update(provenance.pop("$defs", {}))
    provenance["description"] = "Written by specrun run; never asked of the model."
    schema["properties"][PROVENANCE_KEY] = provenance
    return schema


def without_lone_surrogates(text: str) -> str:
    """Text that can be written as UTF-8: a lone surrogate (JSON allows ``"\\ud800"``) becomes
    U+FFFD. A valid pair is already one character once parsed, so only lone halves match."""
    return LONE_SURROGATE.sub("\ufffd", text)


def read_result_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The JSON object in a result file; anything else is an input error."""
    if path.suffix.lower() in (".md", ".markdown"):
        raise InputError(MARKDOWN_REFUSAL.format(path=path))
    text = result_text(read_result_bytes(path, limits), f"result file {path}")
    if text.lstrip().startswith("#"):
        raise InputError(MARKDOWN_REFUSAL.format(path=path))
    return parse_result_json(text, f"result file {path}")


def read_result_bytes(path: Path, limits: Limits) -> bytes:
    """A result file's bytes, within ``SPECRUN_MAX_RESULT_BYTES``."""
    try:
        return read_regular_file(path, limits.result_bytes)
    except FileNotFoundError:
        raise InputError(
            f"result file {path} does not exist; pass an existing result file"
        ) from None
    except TooLarge:
        raise too_large(f"result file {path}", limits) from None
    except OSError as error:
        raise InputError(
            f"result file {path} cannot be read ({error.strerror or error}); "
            "pass a regular UTF-8 file"
        ) from None


def too_large(name: str, limits: Limits) -> InputError:
    return InputError(
        f"{name} is larger than {size_text(limits.result_bytes)}; pass a result written by "
        "specrun run or an agent's answer, or raise SPECRUN_MAX_RESULT_BYTES"
    )


def result_text(data: bytes, name: str) -> str:
    """A result's text: UTF-8 (a byte-order mark dropped), not binary, not empty."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name} is not UTF-8; pass a UTF-8 text file") from None
    if "\x00" in text:
        raise InputError(f"{name} is binary, not text; pass a result JSON or a Markdown answer")
    if not text.strip():
        raise InputError(
            f"{name} is empty; pass a result JSON written by specrun run or an agent's answer"
        )
    return text


def parse_result_json(text: str, name: str) -> dict[str, Any]:
    """The JSON object a result's text holds; anything else is an input error."""
    try:
        data = parse_json(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{name} is not JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}); pass a result JSON written by specrun run --format json"
        ) from None
    except DuplicateKey as duplicate:
        raise InputError(f"{name} is ambiguous: {duplicate}; keep one value for each key") from None
    except TooDeep:
        raise InputError(
            f"{name} is nested too deeply (more than {MAX_NESTING} levels); "
            "pass a result JSON written by specrun run --format json"
        ) from None
    except ValueError:
        raise InputError(
            f"{name} holds a number too long to read; "
            "pass a result JSON written by specrun run --format json"
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            f"{name} holds a JSON {type(data).__name__}, not a result object; "
            "pass a result JSON written by specrun run --format json"
        )
    sanitized: dict[str, Any] = json.loads(
        without_lone_surrogates(json.dumps(data, ensure_ascii=False))
    )
    return sanitized


class BindingDigest(Strict):
    path: str
    sha256: str


class Provenance(Strict):
    """What a result was made from: the prompt, each binding file's path and sha256, and the
    numbering evidence (``specrun.context.assembly.Context.provenance``). ``run`` writes it into
    a result JSON under ``provenance``; the model is never asked for it."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    binding_files: tuple[BindingDigest, ...]
    numbering: str
