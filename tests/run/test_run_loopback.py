"""``specrun run`` end to end through the real openai and anthropic SDKs, against a scripted
server on loopback speaking each wire format."""

import copy
import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLE, Invoke, result_document
from wire import (
    Reply,
    Scripted,
    ScriptedServer,
    SeenRequest,
    anthropic_error,
    anthropic_json_answer,
    anthropic_truncated,
    openai_error,
    openai_json_answer,
    patch_answer,
    requested_schema,
    scripted_judge,
    scripted_server,
)

KEY = "kv-leak-check-0f3a9c"


def without_livewire_statement(document: dict[str, Any]) -> dict[str, Any]:
    broken = copy.deepcopy(document)
    broken["candidates"][0]["explicit_statements"]["livewire_public_state_untrusted"] = None
    return broken


def loopback_config(folder: Path, kind: str, server: ScriptedServer, retries: int = 2) -> Path:
    base_url = server.url + ("/v1" if kind == "openai" else "")
    path = folder / "loopback.toml"
    path.write_text(
        f'provider = "loop"\n\n[retries]\nmax_retries = {retries}\n\n'
        f'[providers.loop]\nkind = "{kind}"\nmodel = "scripted"\nbase_url = "{base_url}"\n'
        'api_key_env = "LOOP_KEY"\n'
    )
    return path


def run_against(
    invoke: Invoke,
    tmp_path: Path,
    kind: str,
    replies: Sequence[Scripted],
    *args: str,
    extra: str = "",
) -> tuple[Any, ScriptedServer]:
    with scripted_server(replies) as server:
        config = loopback_config(tmp_path, kind, server)
        config.write_text(config.read_text() + extra)
        result = invoke("run", "--repo", EXAMPLE, "--config", config, *args)
    return result, server


def leaked(result: Any, runs: Path) -> bool:
    records = "".join(path.read_text() for path in runs.glob("*.json"))
    return KEY in result.stdout + result.stderr + records


@pytest.fixture(autouse=True)
def loop_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOP_KEY", KEY)


def test_anthropic_reask_sends_the_cached_system_block_byte_identical(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    replies: list[Scripted] = [
        anthropic_json_answer(without_livewire_statement(valid_document), cache_write=4000),
        patch_answer("anthropic", valid_document, cache_read=4000),
    ]
    result, server = run_against(invoke, tmp_path, "anthropic", replies, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result_document(result.stdout) == valid_document
    first, second = (request.body for request in server.requests)
    assert first["system"] == second["system"]
    assert first["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert second["messages"][1]["role"] == "assistant"
    assert "SC302" in second["messages"][2]["content"]
    patch_schema = second["output_config"]["format"]["schema"]
    assert patch_schema["required"] == ["candidate_a"]
    assert patch_schema["additionalProperties"] is False
    assert "patch of Candidate A (explicit_statements) merged; valid" in result.stderr
    assert "4,000 cache read, 4,000 cache write tokens" in result.stderr
    assert KEY in " ".join(server.requests[0].headers.values())
    assert not leaked(result, isolated_environment)


def test_openai_reask_over_the_wire(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any]
) -> None:
    replies: list[Scripted] = [
        openai_json_answer(without_livewire_statement(valid_document)),
        patch_answer("openai", valid_document),
    ]
    result, server = run_against(invoke, tmp_path, "openai", replies)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Spec candidates")
    first, second = (request.body for request in server.requests)
    assert first["messages"][0] == second["messages"][0]
    assert first["messages"][0]["role"] == "system"
    assert first["response_format"]["json_schema"]["name"] == "SpecCandidates"
    assert second["response_format"]["json_schema"]["name"] == "SpecCandidatesPatch"
    assert second["response_format"]["json_schema"]["strict"] is True
    assert list(requested_schema(server.requests[1])["properties"]) == ["candidate_a"]
    assert "SC302 at Candidate A" in second["messages"][3]["content"]


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_a_targeted_reask_through_a_strict_tool(
    invoke: Invoke,
    tmp_path: Path,
    valid_document: dict[str, Any],
    isolated_environment: Path,
    kind: str,
) -> None:
    answer = anthropic_json_answer if kind == "anthropic" else openai_json_answer
    replies: list[Scripted] = [
        answer(without_livewire_statement(valid_document)),
        patch_answer(kind, valid_document),
    ]
    with scripted_server(replies) as server:
        config = loopback_config(tmp_path, kind, server)
        config.write_text(config.read_text() + 'output = "tool"\n')
        result = invoke("run", "--repo", EXAMPLE, "--config", config, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result_document(result.stdout) == valid_document
    tools = server.requests[1].body["tools"]
    if kind == "anthropic":
        assert tools[0]["name"] == "SpecCandidatesPatch"
        assert tools[0]["strict"] is True
    else:
        assert tools[0]["function"]["name"] == "SpecCandidatesPatch"
        assert tools[0]["function"]["strict"] is True
    assert requested_schema(server.requests[1])["required"] == ["candidate_a"]
    [record_path] = isolated_environment.glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["reask"] == "targeted"
    first, second = record["attempts"]
    assert first["patch"] is None
    assert json.loads(second["raw"]) == {
        "candidate_a": {
            "explicit_statements": valid_document["candidates"][0]["explicit_statements"],
            "letter": "A",
        }
    }
    assert second["patch"]["asked"] == ["Candidate A (explicit_statements)"]
    assert second["patch"]["merged"] == valid_document


def test_reask_full_asks_for_the_whole_document_over_the_wire(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any]
) -> None:
    replies: list[Scripted] = [
        openai_json_answer(without_livewire_statement(valid_document)),
        openai_json_answer(valid_document),
    ]
    result, server = run_against(invoke, tmp_path, "openai", replies, "--reask", "full")
    assert result.exit_code == 0, result.stderr
    first, second = (request.body for request in server.requests)
    assert first["response_format"] == second["response_format"]
    assert "complete result document" in second["messages"][3]["content"]


def test_reask_full_from_the_config(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any]
) -> None:
    replies: list[Scripted] = [
        anthropic_json_answer(without_livewire_statement(valid_document)),
        anthropic_json_answer(valid_document),
    ]
    with scripted_server(replies) as server:
        config = loopback_config(tmp_path, "anthropic", server)
        config.write_text('reask = "full"\n' + config.read_text())
        result = invoke("run", "--repo", EXAMPLE, "--config", config)
    assert result.exit_code == 0, result.stderr
    assert "output_config" in server.requests[1].body
    assert requested_schema(server.requests[1])["required"][0] == "candidates"


@pytest.mark.parametrize(
    ("args", "top", "message"),
    [
        (("--reask", "partial"), "", "unknown --reask mode 'partial'; use targeted or full"),
        (("--reask", ""), "", "unknown --reask mode ''; use targeted or full"),
        ((), 'reask = "partial"\n', "reask: Input should be 'targeted' or 'full'"),
    ],
)
def test_an_unknown_reask_mode_is_refused_before_any_request(
    invoke: Invoke,
    tmp_path: Path,
    isolated_environment: Path,
    args: tuple[str, ...],
    top: str,
    message: str,
) -> None:
    with scripted_server([]) as server:
        config = loopback_config(tmp_path, "anthropic", server)
        config.write_text(top + config.read_text())
        result = invoke("run", "--repo", EXAMPLE, "--config", config, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("specrun: error: ")
    assert message in line
    assert server.requests == []
    assert list(isolated_environment.glob("*")) == []


def test_truncated_answer_is_re_asked(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    replies = [anthropic_truncated(valid_document), anthropic_json_answer(valid_document)]
    result, server = run_against(invoke, tmp_path, "anthropic", replies)
    assert result.exit_code == 0, result.stderr
    assert "unusable: answer: The answer was cut off at the output limit" in result.stderr
    reask = server.requests[1].body["messages"][2]["content"]
    assert "SC104 at answer: The answer was cut off" in reask
    assert "(stop reason max_tokens)" in reask
    [record_path] = isolated_environment.glob("*.json")
    first = json.loads(record_path.read_text())["attempts"][0]
    assert first["stop_reason"] == "max_tokens"
    assert first["violations"][0]["code"] == "SC104"
    assert not leaked(result, isolated_environment)


def test_malformed_json_answer_is_re_asked_with_where_it_breaks(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    replies = [
        openai_json_answer(None, content='{"candidates": [{"label"'),
        openai_json_answer(valid_document),
    ]
    result, server = run_against(invoke, tmp_path, "openai", replies)
    assert result.exit_code == 0, result.stderr
    assert len(server.requests) == 2
    reask = server.requests[1].body["messages"][3]["content"]
    assert "could not be used" in reask
    assert "SC104 at answer, line 1, column 25: The answer is not valid JSON" in reask
    assert not leaked(result, isolated_environment)


def test_schema_breaches_are_kept_in_the_run_record(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    broken = copy.deepcopy(valid_document)
    del broken["candidates"][0]["slug"]
    replies = [openai_json_answer(broken)]
    result, _ = run_against(invoke, tmp_path, "openai", replies, "--max-attempts", "1")
    assert result.exit_code == 1
    assert "SC104 Candidate A > slug: The item is missing." in result.stderr
    [record_path] = isolated_environment.glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["attempts"][0]["violations"] == [
        {
            "code": "SC104",
            "location": "Candidate A > slug",
            "message": "The item is missing.",
            "hint": "Follow the result schema (specrun schema) and fill in every item.",
            "evidence": "",
        }
    ]
    assert record["best_draft"] is None


def test_exhaustion_exits_1_with_the_remaining_violations(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    broken = without_livewire_statement(valid_document)
    replies = [anthropic_json_answer(broken) for _ in range(2)]
    out = tmp_path / "result.md"
    result, _ = run_against(
        invoke, tmp_path, "anthropic", replies, "--max-attempts", "2", "--out", str(out)
    )
    assert result.exit_code == 1
    assert "SC302 Candidate A" in result.stderr
    assert not out.exists()
    assert result.stdout == ""
    [record_path] = isolated_environment.glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["status"] == "invalid"
    assert len(record["attempts"]) == 2
    assert json.loads(record["attempts"][0]["raw"]) == broken
    assert record["best_draft"] == broken
    assert str(record_path) in result.stderr
    assert not leaked(result, isolated_environment)


@pytest.mark.parametrize(
    ("kind", "reply"),
    [
        ("anthropic", anthropic_error(401, "authentication_error")),
        ("openai", openai_error(401, "invalid_api_key")),
    ],
)
def test_authentication_failure_exits_3_without_retrying(
    invoke: Invoke, tmp_path: Path, kind: str, reply: Reply, isolated_environment: Path
) -> None:
    result, server = run_against(invoke, tmp_path, kind, [reply])
    assert result.exit_code == 3
    assert "authentication failed (HTTP 401)" in result.stderr
    assert len(server.requests) == 1
    assert not leaked(result, isolated_environment)


def test_persistent_server_errors_exit_3_after_bounded_retries(
    invoke: Invoke, tmp_path: Path, sleeps: list[float], isolated_environment: Path
) -> None:
    replies = [anthropic_error(500, "api_error") for _ in range(5)]
    result, server = run_against(invoke, tmp_path, "anthropic", replies)
    assert result.exit_code == 3
    assert "kept failing (HTTP 500" in result.stderr
    assert len(server.requests) == 3
    assert len(sleeps) == 2
    assert not leaked(result, isolated_environment)


def test_rate_limit_retry_after_is_honoured_over_the_wire(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], sleeps: list[float]
) -> None:
    replies = [
        anthropic_error(429, "rate_limit_error", {"retry-after": "9"}),
        anthropic_error(529, "overloaded_error"),
        anthropic_json_answer(valid_document),
    ]
    result, server = run_against(invoke, tmp_path, "anthropic", replies)
    assert result.exit_code == 0, result.stderr
    assert sleeps[0] >= 9
    assert len(server.requests) == 3
    assert "attempt 1:" in result.stderr
    assert "attempt 2:" not in result.stderr


def test_missing_key_is_refused_before_any_request(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOOP_KEY")
    result, server = run_against(invoke, tmp_path, "anthropic", [])
    assert result.exit_code == 2
    assert "set the environment variable LOOP_KEY" in result.stderr
    assert server.requests == []


def run_judged(
    invoke: Invoke,
    tmp_path: Path,
    replies: Sequence[Scripted],
    judge: Callable[[SeenRequest], Reply],
    extra: str = "",
    top: str = "",
) -> tuple[Any, ScriptedServer]:
    with scripted_server(replies, judge) as server:
        config = loopback_config(tmp_path, "anthropic", server)
        config.write_text(top + config.read_text() + extra)
        result = invoke("run", "--repo", EXAMPLE, "--config", config, "--format", "json")
    return result, server


@pytest.mark.usefixtures("unsure")
def test_the_judge_clears_an_unsure_item_in_the_first_attempt(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    replies = [anthropic_json_answer(valid_document)]
    result, server = run_judged(invoke, tmp_path, replies, scripted_judge("anthropic"))
    assert result.exit_code == 0, result.stderr
    assert len(server.requests) == 2
    assert "attempt 2" not in result.stderr
    assert f"judge: profile loop (anthropic, model scripted) at {server.url}" in result.stderr
    assert "judge: scripted" in result.stderr
    assert "1 hold(s), 0 broken, 0 left for review" in result.stderr
    assert "usage over 1 attempt(s) and 1 judge call(s): 6,022 input" in result.stderr
    [record_path] = isolated_environment.glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["usage"]["input_tokens"] == 812 + 5210
    judged = record["attempts"][0]["judge"]
    assert judged["rulings"][0]["verdict"] == "holds"
    assert judged["usage"]["input_tokens"] == 5210
    assert record["judge"]["model"] == "scripted"
    assert not leaked(result, isolated_environment)


@pytest.mark.usefixtures("unsure")
def test_a_lapse_the_judge_confirms_is_re_asked_over_the_wire(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any]
) -> None:
    calls: list[dict[str, str]] = []

    def first_call_only(item: dict[str, str]) -> bool:
        calls.append(item)
        return len(calls) == 1

    replies: list[Scripted] = [
        anthropic_json_answer(valid_document),
        patch_answer("anthropic", valid_document),
    ]
    judge = scripted_judge("anthropic", first_call_only)
    result, server = run_judged(invoke, tmp_path, replies, judge)
    assert result.exit_code == 0, result.stderr
    assert len(server.requests) == 4
    reask = server.requests[2].body["messages"][2]["content"]
    assert "SC401 at Candidate D > boundary_to_existing_specs" in reask
    assert "The text judged: 'this candidate governs how Livewire components hold" in reask
    assert "0 hold(s), 1 broken, 0 left for review" in result.stderr
    assert "attempt 2" in result.stderr


@pytest.mark.usefixtures("unsure")
def test_a_judge_profile_without_its_key_is_refused_before_any_request(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any]
) -> None:
    extra = (
        '\n[providers.cheap]\nkind = "openai"\nmodel = "small"\napi_key_env = "CHEAP_KEY"\n'
        '\n[judge]\nprofile = "cheap"\n'
    )
    replies = [anthropic_json_answer(valid_document)]
    result, server = run_judged(invoke, tmp_path, replies, scripted_judge("openai"), extra)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "specrun: error: judge profile 'cheap': no API key: set the environment variable CHEAP_KEY "
        "(or replay a recording with --cassette FILE)"
    )
    assert server.requests == []


def test_a_provider_failure_after_a_paid_answer_keeps_it_in_the_record(
    invoke: Invoke,
    tmp_path: Path,
    valid_document: dict[str, Any],
    sleeps: list[float],
    isolated_environment: Path,
) -> None:
    broken = without_livewire_statement(valid_document)
    replies = [
        anthropic_json_answer(broken),
        *(anthropic_error(500, "api_error") for _ in range(3)),
    ]
    out = tmp_path / "result.md"
    result, server = run_against(invoke, tmp_path, "anthropic", replies, "--out", str(out))
    assert result.exit_code == 3
    assert len(server.requests) == 4
    [record_path] = isolated_environment.glob("*.json")
    assert f"run record: {record_path}" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("specrun: error: the provider kept")
    record = json.loads(record_path.read_text())
    assert record["status"] == "provider-failure"
    assert "kept failing (HTTP 500" in record["error"]
    [attempt] = record["attempts"]
    assert json.loads(attempt["raw"]) == broken
    assert [v["code"] for v in attempt["violations"]] == ["SC302"]
    assert set(attempt["violations"][0]) >= {"code", "location", "message", "hint", "evidence"}
    assert record["best_draft"] == broken
    assert record["usage"]["output_tokens"] == 3104
    assert not out.exists()
    assert not leaked(result, isolated_environment)


def test_a_failed_first_request_still_leaves_a_record(
    invoke: Invoke, tmp_path: Path, isolated_environment: Path
) -> None:
    result, _ = run_against(invoke, tmp_path, "openai", [openai_error(401, "invalid_api_key")])
    assert result.exit_code == 3
    [record_path] = isolated_environment.glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["status"] == "provider-failure"
    assert record["attempts"] == []
    assert f"run record: {record_path}" in result.stderr
    assert not leaked(result, isolated_environment)


@pytest.mark.parametrize("setup", ["file", "read-only"])
def test_an_unusable_runs_directory_is_refused_before_any_request(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
    setup: str,
) -> None:
    runs = tmp_path / "runs-here"
    if setup == "file":
        runs.write_text("not a directory")
        expected = f"the runs directory {runs} is not a directory"
    else:
        runs.mkdir()
        real = tempfile.TemporaryFile

        def denied(*args: Any, **kwargs: Any) -> Any:
            if Path(str(kwargs.get("dir"))) == runs:
                raise PermissionError(13, "Permission denied")
            return real(*args, **kwargs)

        monkeypatch.setattr(tempfile, "TemporaryFile", denied)
        expected = f"the runs directory {runs} is not writable (Permission denied)"
    monkeypatch.setenv("SPECRUN_RUNS_DIR", str(runs))
    result, server = run_against(
        invoke, tmp_path, "anthropic", [anthropic_json_answer(valid_document)]
    )
    assert result.exit_code == 2
    assert f"specrun: error: {expected}; set SPECRUN_RUNS_DIR to a writable directory" in (
        result.stderr
    )
    assert server.requests == []


@pytest.mark.usefixtures("unsure")
def test_a_malformed_judgement_leaves_the_item_for_review_and_the_run_valid(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any]
) -> None:
    def malformed(request: SeenRequest) -> Reply:
        return anthropic_json_answer({"verdicts": [{"item": "R1"}]})

    replies = [anthropic_json_answer(valid_document)]
    result, server = run_judged(invoke, tmp_path, replies, malformed)
    assert result.exit_code == 0, result.stderr
    assert "judge: scripted could not decide (verdicts[0].verdict: " in result.stderr
    assert "1 item(s) left for review" in result.stderr
    assert len(server.requests) == 2


def test_judge_false_sends_no_judge_request(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], unsure: None
) -> None:
    replies = [anthropic_json_answer(valid_document)]
    result, server = run_judged(
        invoke, tmp_path, replies, scripted_judge("anthropic"), top="judge = false\n"
    )
    assert result.exit_code == 0, result.stderr
    assert len(server.requests) == 1
    assert "1 item(s) left for review" in result.stderr


def test_an_oversized_answer_is_re_asked_and_kept(
    invoke: Invoke,
    tmp_path: Path,
    valid_document: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: Path,
) -> None:
    padded = copy.deepcopy(valid_document)
    padded["numbering_strategy"] += " padding" * 5_000
    monkeypatch.setenv("SPECRUN_MAX_ANSWER_BYTES", "40000")
    replies = [anthropic_json_answer(padded), anthropic_json_answer(valid_document)]
    result, server = run_against(invoke, tmp_path, "anthropic", replies)
    assert result.exit_code == 0, result.stderr
    assert "unusable: answer: The answer is" in result.stderr
    assert "over the limit of 40,000 bytes" in result.stderr
    resent = server.requests[1].body["messages"]
    assert "too large to repeat" in json.dumps(resent)
    [record_path] = isolated_environment.glob("*.json")
    first = json.loads(record_path.read_text())["attempts"][0]
    assert json.loads(first["raw"]) == padded


@pytest.mark.parametrize(
    ("setting", "sent"),
    [("", "max_tokens"), ('token_parameter = "max_completion_tokens"\n', "max_completion_tokens")],
)
def test_the_profile_decides_the_openai_token_parameter(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], setting: str, sent: str
) -> None:
    with scripted_server([openai_json_answer(valid_document)]) as server:
        config = loopback_config(tmp_path, "openai", server)
        config.write_text(config.read_text() + setting)
        result = invoke("run", "--repo", EXAMPLE, "--config", config)
    assert result.exit_code == 0, result.stderr
    body = server.requests[0].body
    assert body[sent] == 16000
    [other] = {"max_tokens", "max_completion_tokens"} - {sent}
    assert other not in body


@pytest.mark.usefixtures("unsure")
def test_a_lone_surrogate_in_an_answer_reaches_the_judge_as_encodable_text(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any]
) -> None:
    text = json.dumps(valid_document).replace(
        '"numbering_strategy": "', '"numbering_strategy": "\\ud800 '
    )
    replies = [anthropic_json_answer(valid_document, text=text)]
    result, server = run_judged(invoke, tmp_path, replies, scripted_judge("anthropic"))
    assert result.exit_code == 0, result.stderr
    assert len(server.requests) == 2
    assert "\ufffd" in json.dumps(server.requests[1].body, ensure_ascii=False)
    assert "1 hold(s), 0 broken, 0 left for review" in result.stderr


@pytest.mark.usefixtures("unsure")
def test_an_oversized_judgement_is_neither_read_nor_kept_and_the_run_goes_on(
    invoke: Invoke,
    tmp_path: Path,
    valid_document: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: Path,
) -> None:
    monkeypatch.setenv("SPECRUN_MAX_ANSWER_BYTES", "40000")

    def huge(request: SeenRequest) -> Reply:
        return anthropic_json_answer({"verdicts": [], "padding": "x" * 60_000})

    replies = [anthropic_json_answer(valid_document)]
    result, _ = run_judged(invoke, tmp_path, replies, huge)
    assert result.exit_code == 0, result.stderr
    assert "over the limit of 40,000 bytes (SPECRUN_MAX_ANSWER_BYTES)" in result.stderr
    assert "1 item(s) left for review" in result.stderr
    [record_path] = isolated_environment.glob("*.json")
    assert "x" * 1000 not in record_path.read_text()


@pytest.mark.usefixtures("unsure")
def test_a_judge_that_fails_in_any_way_leaves_its_items_for_review(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from specrun.rules import judge as judging

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(judging, "judge_request", broken)
    replies = [anthropic_json_answer(valid_document)]
    result, _ = run_judged(invoke, tmp_path, replies, scripted_judge("anthropic"))
    assert result.exit_code == 0, result.stderr
    assert "could not decide (it failed (UnicodeEncodeError))" in result.stderr
    assert "1 item(s) left for review" in result.stderr


def test_an_answer_with_control_characters_is_re_asked_and_never_printed_raw(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any]
) -> None:
    hostile = copy.deepcopy(valid_document)
    hostile["candidates"][1]["summary"] += " \x1b[1A\x1b[2Kattempt 1: valid \u202e"
    replies: list[Scripted] = [
        anthropic_json_answer(hostile),
        patch_answer("anthropic", valid_document),
    ]
    out = tmp_path / "result.md"
    result, server = run_against(invoke, tmp_path, "anthropic", replies, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert len(server.requests) == 2
    reask = server.requests[1].body["messages"][2]["content"]
    assert "SC104 at Candidate B > summary" in reask
    assert "\\x1b[1A" in reask
    assert "; 1 violation(s): SC104\n" in result.stderr
    for text in (result.stdout, result.stderr, out.read_text(encoding="utf-8")):
        assert "\x1b" not in text
        assert "\u202e" not in text


def test_exhausted_attempts_print_the_evidence_escaped(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any]
) -> None:
    hostile = copy.deepcopy(valid_document)
    hostile["numbering_strategy"] += "\x1b]52;c;cGF5bG9hZA==\x07\r"
    replies = [anthropic_json_answer(hostile)] * 3
    result, _ = run_against(invoke, tmp_path, "anthropic", replies)
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
    assert "\r" not in result.stderr
    assert "\\x1b]52;c;cGF5bG9hZA==\\x07\\x0d" in result.stderr


def test_a_servers_error_message_reaches_the_terminal_escaped(
    invoke: Invoke, tmp_path: Path
) -> None:
    said = "bad \x1b]0;owned\x07 request \u202e\x1b[2J"
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": said}}
    result, _ = run_against(invoke, tmp_path, "anthropic", [Reply(400, body)])
    assert result.exit_code == 3
    last = result.stderr.strip().splitlines()[-1]
    assert "bad \\x1b]0;owned\\x07 request U+202E\\x1b[2J" in last
    assert "\x1b" not in result.stderr


def mangled_patch(
    kind: str, document: dict[str, Any], mangle: Callable[[dict[str, Any]], None]
) -> Callable[[SeenRequest], Reply]:
    """A targeted re-ask answered with a patch of the wrong letters."""
    corrected = patch_answer(kind, document)

    def answer(request: SeenRequest) -> Reply:
        reply = corrected(request)
        content = reply.body["content"] if kind == "anthropic" else None
        text = content[0]["text"] if content else reply.body["choices"][0]["message"]["content"]
        patch = json.loads(text)
        mangle(patch)
        if content:
            content[0]["text"] = json.dumps(patch)
        else:
            reply.body["choices"][0]["message"]["content"] = json.dumps(patch)
        return reply

    return answer


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_a_patch_holding_a_letter_not_asked_for_is_re_asked_not_merged(
    invoke: Invoke,
    tmp_path: Path,
    valid_document: dict[str, Any],
    isolated_environment: Path,
    kind: str,
) -> None:
    intruder = {"working_title": "Tenant query canon, rewritten unasked", "letter": "B"}
    answer = anthropic_json_answer if kind == "anthropic" else openai_json_answer
    replies: list[Scripted] = [
        answer(without_livewire_statement(valid_document)),
        mangled_patch(kind, valid_document, lambda patch: patch.update(candidate_b=intruder)),
        patch_answer(kind, valid_document),
    ]
    result, server = run_against(invoke, tmp_path, kind, replies, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result_document(result.stdout) == valid_document
    assert "patch of Candidate A (explicit_statements) not merged" in result.stderr
    assert (
        "SC104 patch > candidate_b: The patch holds Candidate B, which was not asked for; only "
        "Candidate A (explicit_statements) may be rewritten. Evidence: 'Tenant query canon, "
        "rewritten unasked'"
    ) in result.stderr
    second, third = (requested_schema(request) for request in server.requests[1:])
    assert second == third
    [record_path] = isolated_environment.glob("*.json")
    attempts = json.loads(record_path.read_text())["attempts"]
    assert attempts[1]["patch"]["merged"] is None
    assert attempts[1]["violations"][0]["location"] == "patch > candidate_b"
    assert attempts[2]["patch"]["merged"] == valid_document


def test_a_patch_that_renames_its_letter_until_the_end_exits_1_with_the_first_draft(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], isolated_environment: Path
) -> None:
    def renamed(patch: dict[str, Any]) -> None:
        patch["candidate_a"]["letter"] = "C"

    replies: list[Scripted] = [
        openai_json_answer(without_livewire_statement(valid_document)),
        mangled_patch("openai", valid_document, renamed),
    ]
    result, _ = run_against(invoke, tmp_path, "openai", replies, "--max-attempts", "2")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        "patch of Candidate A (explicit_statements) not merged; unusable: patch > "
        "candidate_a.letter: The patch renames a letter: Candidate A is marked 'C'."
    ) in result.stderr
    assert "SC302 Candidate A > explicit_statements" in result.stderr.splitlines()[-2]
    assert "the best draft (attempt 1)" in result.stderr
    [record_path] = isolated_environment.glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["status"] == "invalid"
    assert record["best_draft"] == without_livewire_statement(valid_document)
