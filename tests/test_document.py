import json
from pathlib import Path
from typing import Any

import pytest
from support import ROOT

from specrun.document import SpecCandidates, read_result_file, result_json_schema
from specrun.errors import InputError

STRICT_UNSUPPORTED = {"default", "minItems", "maxItems", "format", "minLength", "maxLength"}


def objects(schema: Any) -> list[dict[str, Any]]:
    """Every object schema inside a JSON Schema."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found += objects(value)
    elif isinstance(schema, list):
        for value in schema:
            found += objects(value)
    return found


def keywords(schema: Any, named: bool = False) -> set[str]:
    """Every JSON Schema keyword used; the keys of properties and $defs are names, not keywords."""
    if isinstance(schema, list):
        return set().union(*(keywords(value) for value in schema))
    if not isinstance(schema, dict):
        return set()
    found = set() if named else set(schema)
    for key, value in schema.items():
        found |= keywords(value, named=not named and key in ("properties", "$defs"))
    return found


def test_shipped_schema_file_is_exactly_the_models_schema() -> None:
    shipped = (ROOT / "schemas" / "spec-candidates.schema.json").read_text(encoding="utf-8")
    assert shipped == json.dumps(result_json_schema(), indent=2) + "\n"


def test_schema_fits_openai_strict_structured_outputs() -> None:
    schema = result_json_schema()
    for node in objects(schema):
        assert node["additionalProperties"] is False
        assert sorted(node["required"]) == sorted(node["properties"])
    assert not keywords(schema) & STRICT_UNSUPPORTED


def test_schema_fits_an_anthropic_tool_input_schema() -> None:
    schema = result_json_schema()
    assert schema["type"] == "object"
    assert "candidates" in schema["properties"]


def test_schema_shows_the_fixed_sets_as_enums() -> None:
    candidate = result_json_schema()["$defs"]["SpecCandidate"]["properties"]
    assert candidate["delivery_recommendation"]["enum"] == [
        "hotfix",
        "dedicated spec",
        "phased spec",
    ]
    assert candidate["implementation_priority"]["enum"] == ["Critical", "High", "Medium"]
    assert candidate["status"]["enum"] == ["Proposed"]


def test_values_outside_the_fixed_sets_still_parse_for_the_rules_to_judge(
    valid_document: dict[str, Any],
) -> None:
    valid_document["candidates"][0]["implementation_priority"] = "Low"
    parsed = SpecCandidates.model_validate(valid_document)
    assert parsed.candidates[0].implementation_priority == "Low"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "is empty"),
        ("  \n", "is empty"),
        ("{not json", "is not JSON"),
        ("[1, 2]", "holds a JSON list"),
    ],
    ids=["empty", "blank", "not-json", "array"],
)
def test_unreadable_result_files_are_input_errors(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "result.json"
    path.write_text(content)
    with pytest.raises(InputError, match=expected):
        read_result_file(path)


def test_markdown_result_files_are_not_supported_yet(tmp_path: Path) -> None:
    path = tmp_path / "result.md"
    path.write_text("# Spec candidates\n")
    with pytest.raises(InputError, match="Markdown"):
        read_result_file(path)
