import json
from pathlib import Path
from typing import Any

import pytest
from support import ROOT

from specrun.document import SpecCandidates, read_result_file, result_json_schema
from specrun.errors import InputError


def test_shipped_schema_file_is_exactly_the_models_schema() -> None:
    shipped = (ROOT / "schemas" / "spec-candidates.schema.json").read_text(encoding="utf-8")
    assert shipped == json.dumps(result_json_schema(), indent=2) + "\n"


def test_schema_states_four_candidates_but_parsing_leaves_the_count_to_the_rules(
    valid_document: dict[str, Any],
) -> None:
    properties = result_json_schema()["properties"]
    for field in ("candidates", "recommended_implementation_order"):
        assert (properties[field]["minItems"], properties[field]["maxItems"]) == (4, 4)
    three = dict(valid_document, candidates=valid_document["candidates"][:3])
    assert len(SpecCandidates.model_validate(three).candidates) == 3


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
