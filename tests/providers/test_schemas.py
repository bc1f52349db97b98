"""Each provider's strict form of a response model's schema, and the models it refuses."""

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from specrun.document.model import SpecCandidates
from specrun.providers.schemas import UnsupportedSchema, Vendor, strict_schema

OPENAI_UNSUPPORTED = {"default", "minLength", "maxLength", "uniqueItems", "allOf", "oneOf"}
ANTHROPIC_UNSUPPORTED = OPENAI_UNSUPPORTED | {"maxItems", "minimum", "maximum", "multipleOf"}


def nodes(schema: Any) -> list[dict[str, Any]]:
    """Every schema node (properties and $defs are maps of names, not nodes)."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        found.append(schema)
        for key, value in schema.items():
            children = value.values() if key in ("properties", "$defs") else [value]
            for child in children:
                found += nodes(child)
    elif isinstance(schema, list):
        for child in schema:
            found += nodes(child)
    return found


@pytest.mark.parametrize("vendor", ["openai", "anthropic"])
def test_every_object_is_closed_and_fully_required(vendor: Vendor) -> None:
    schema = strict_schema(SpecCandidates, vendor)
    objects = [node for node in nodes(schema) if node.get("type") == "object"]
    assert len(objects) == 6
    for node in objects:
        assert node["additionalProperties"] is False
        assert node["required"] == list(node["properties"])


@pytest.mark.parametrize(
    ("vendor", "unsupported"),
    [("openai", OPENAI_UNSUPPORTED), ("anthropic", ANTHROPIC_UNSUPPORTED)],
)
def test_no_keyword_the_vendor_rejects_is_sent(vendor: Vendor, unsupported: set[str]) -> None:
    for node in nodes(strict_schema(SpecCandidates, vendor)):
        assert not node.keys() & unsupported
        assert node.get("minItems", 0) <= (1 if vendor == "anthropic" else 4)


def test_openai_enforces_four_candidates() -> None:
    candidates = strict_schema(SpecCandidates, "openai")["properties"]["candidates"]
    assert (candidates["minItems"], candidates["maxItems"]) == (4, 4)


def test_anthropic_states_the_count_it_cannot_enforce_in_the_description() -> None:
    candidates = strict_schema(SpecCandidates, "anthropic")["properties"]["candidates"]
    assert "minItems" not in candidates
    assert "maxItems" not in candidates
    assert candidates["description"] == (
        "Exactly four, in order A, B, C, D.\n\n{maxItems: 4, minItems: 4}"
    )


def test_enums_and_nullable_fields_survive() -> None:
    schema = strict_schema(SpecCandidates, "anthropic")
    candidate = schema["$defs"]["SpecCandidate"]["properties"]
    assert candidate["status"]["enum"] == ["Proposed"]
    assert candidate["spec_number"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[str] = Field(min_length=1, max_length=3)
    name: str = Field(min_length=2, pattern="^[a-z]+$")
    score: int = Field(ge=0, le=10)


@pytest.mark.parametrize(
    ("vendor", "kept", "moved"),
    [
        ("openai", {"minItems", "maxItems", "pattern", "minimum", "maximum"}, {"minLength"}),
        ("anthropic", {"minItems", "pattern"}, {"maxItems", "minLength", "minimum", "maximum"}),
    ],
)
def test_bounds_are_kept_where_enforced_and_described_where_not(
    vendor: Vendor, kept: set[str], moved: set[str]
) -> None:
    properties = strict_schema(Limits, vendor)["properties"]
    sent = set().union(*(node.keys() for node in properties.values()))
    described = " ".join(node.get("description", "") for node in properties.values())
    assert kept <= sent
    assert not moved & sent
    assert all(f"{keyword}: " in described for keyword in moved)


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str


class Described(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inner: Inner = Field(description="An inner object.")


def test_a_reference_with_a_description_is_inlined() -> None:
    inner = strict_schema(Described, "openai")["properties"]["inner"]
    assert "$ref" not in inner
    assert inner["description"] == "An inner object."
    assert inner["additionalProperties"] is False
    assert inner["required"] == ["value"]


class Wrapped(BaseModel):
    """A reference with a description, as pydantic before 2.9 writes it."""

    inner: Inner

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "title": "Wrapped",
            "properties": {
                "inner": {"allOf": [{"$ref": "#/$defs/Inner"}], "description": "Inner."}
            },
            "required": ["inner"],
            "additionalProperties": False,
            "$defs": {"Inner": Inner.model_json_schema()},
        }


def test_a_single_all_of_is_unwrapped() -> None:
    inner = strict_schema(Wrapped, "anthropic")["properties"]["inner"]
    assert inner["description"] == "Inner."
    assert inner["required"] == ["value"]


def test_the_schema_is_the_same_on_every_call() -> None:
    assert strict_schema(SpecCandidates, "openai") == strict_schema(SpecCandidates, "openai")
    assert list(strict_schema(SpecCandidates, "anthropic")) == list(
        strict_schema(SpecCandidates, "anthropic")
    )


class WithOptional(BaseModel):
    code: str
    note: str = "none"


class WithMapping(BaseModel):
    code: str
    scores: dict[str, int]


class WithAnything(BaseModel):
    code: str
    payload: Any


class WithAllOf(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"allOf": [{"type": "object"}, {"required": ["code"]}]}
    )

    code: str


class Scalar(BaseModel):
    model_config = ConfigDict(json_schema_extra={"type": "string"})


@pytest.mark.parametrize("vendor", ["openai", "anthropic"])
@pytest.mark.parametrize(
    ("model", "message"),
    [
        (WithOptional, "WithOptional.note is optional; strict structured outputs need every field"),
        (WithMapping, "WithMapping.scores is a free-form mapping"),
        (WithAnything, "WithAnything.payload has no type"),
        (WithAllOf, "WithAllOf: allOf and not cannot be expressed strictly"),
        (Scalar, "Scalar: the root of a structured output must be an object"),
    ],
    ids=["optional", "mapping", "any", "allOf", "scalar-root"],
)
def test_a_model_strict_outputs_cannot_express_is_refused_naming_the_field(
    vendor: Vendor, model: type[BaseModel], message: str
) -> None:
    with pytest.raises(UnsupportedSchema, match=message.replace(".", r"\.")):
        strict_schema(model, vendor)
