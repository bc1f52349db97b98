import json
import os
from pathlib import Path
from typing import Any

import pytest
from support import ROOT

from specrun.document.model import (
    SpecCandidates,
    read_result_file,
    result_json_schema,
)
from specrun.errors import InputError
from specrun.gates.limits import Limits


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


def test_render_reads_no_markdown(tmp_path: Path) -> None:
    path = tmp_path / "result.md"
    path.write_text("# Spec candidates\n")
    with pytest.raises(InputError, match="is Markdown: render takes a result JSON"):
        read_result_file(path)


def test_markdown_is_recognised_by_its_content_too(tmp_path: Path) -> None:
    path = tmp_path / "result.txt"
    path.write_text("# Spec candidates\n\n## Candidate A: ...\n")
    with pytest.raises(InputError, match="check a Markdown answer with specrun check"):
        read_result_file(path)


def test_deep_nesting_is_refused_without_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(InputError, match="nested too deeply"):
        read_result_file(path)


def test_nesting_past_the_limit_is_refused_even_when_it_parses(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"a": ' + "[" * 300 + "]" * 300 + "}")
    with pytest.raises(InputError, match="more than 200 levels"):
        read_result_file(path)


def test_a_number_too_long_to_read_is_refused(tmp_path: Path, valid_document: Any) -> None:
    text = json.dumps(valid_document).replace(
        '"spec_number": null', '"spec_number": ' + "9" * 5000, 1
    )
    path = tmp_path / "huge.json"
    path.write_text(text)
    with pytest.raises(InputError, match="holds a number too long to read"):
        read_result_file(path)


@pytest.mark.parametrize("number", [int("9" * 4000), "9" * 4000, -(10**7)])
def test_a_thousand_digit_spec_number_does_not_fit_the_schema(
    valid_document: Any, number: object
) -> None:
    valid_document["candidates"][0]["spec_number"] = number
    with pytest.raises(ValueError, match="a spec number has at most 6 digits"):
        SpecCandidates.model_validate(valid_document)


def test_an_oversized_result_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(" " * 101 + "{}")
    with pytest.raises(InputError, match=r"is larger than 100 bytes; .*SPECRUN_MAX_RESULT_BYTES"):
        read_result_file(path, Limits(result_bytes=100))


def test_a_fifo_result_file_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "result.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"cannot be read \(not a regular file\)"):
        read_result_file(fifo)


def test_lone_surrogates_are_replaced_when_read(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"summary": "a\\ud800b", "emoji": "\\ud83d\\ude00"}')
    assert read_result_file(path) == {"summary": "a\ufffdb", "emoji": "\U0001f600"}
