"""Cassettes: replay of every shipped recording, scrubbing on record, and their failure modes."""

import json
import os
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
import yaml
from pydantic import BaseModel
from support import EXAMPLE, ROOT, Invoke
from wire import (
    Reply,
    anthropic_error,
    anthropic_json_answer,
    openai_json_answer,
    scripted_server,
)

from specrun.context.numbering import gather_numbering_evidence
from specrun.context.prompt_pack import load_prompt_pack
from specrun.document.model import SpecCandidates
from specrun.errors import InputError
from specrun.gates.credentials import scrub
from specrun.gates.limits import DEFAULT_LIMITS
from specrun.providers.cassettes import Recording, cassette, recorded_profile, screen
from specrun.providers.schemas import strict_schema
from specrun.rules.judge import JudgeVerdicts
from specrun.run.patch import Ask, Part
from specrun.run.runner import RunResult, execute_run
from specrun.settings.config import (
    BUILT_IN_PROFILES,
    Config,
    RetryPolicy,
    Settings,
    resolve_settings,
)

CASSETTES = ROOT / "cassettes"
SHIPPED = {
    "anthropic-single": ("anthropic", True, 1),
    "anthropic-reask": ("anthropic", True, 2),
    "anthropic-judge-clears": ("anthropic", True, 1),
    "anthropic-judge-confirms": ("anthropic", True, 2),
    "anthropic-exhausted": ("anthropic", False, 3),
    "anthropic-faults": ("anthropic", True, 1),
    "openai-reask": ("openai", True, 2),
    "local-reask": ("local", True, 3),
}
# Every shipped cassette and the provider kind it speaks: the runs, and check --judge.
KINDS = {
    **{name: BUILT_IN_PROFILES[profile].kind for name, (profile, _, _) in SHIPPED.items()},
    "anthropic-judge-check": "anthropic",
}
KEY = "kv-recorded-key-7c21"


def replay(name: str, profile: str, repo: Path = EXAMPLE) -> RunResult:
    """Replay as ``specrun run --cassette`` does, with the built-in profile and its judge."""
    settings = resolve_settings(Config(), "test", {}, profile)
    return execute_run(
        repo,
        "tenantpilot.spec-candidates",
        settings,
        {},
        report=lambda line: None,
        recording=Recording(CASSETTES / f"{name}.yaml", record=False),
        sleep=lambda seconds: None,
    )


@pytest.mark.parametrize(("name", "expected"), SHIPPED.items(), ids=SHIPPED.keys())
def test_every_shipped_cassette_replays_fully_without_a_key(
    name: str, expected: tuple[str, bool, int]
) -> None:
    profile, valid, attempts = expected
    result = replay(name, profile)
    assert (result.outcome.document is not None) is valid
    assert len(result.outcome.attempts) == attempts
    assert result.unplayed == 0


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_cassettes_say_they_were_generated(name: str) -> None:
    text = (CASSETTES / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Generated, not recorded from a live API")
    assert yaml.safe_load(text)["generated"]["by"] == "scripts/generate_cassettes.py"


def exchanges(path: Path) -> list[dict[str, Any]]:
    """What a cassette says was asked and answered, without the SDK's identity headers
    (user-agent, x-stainless-*, anthropic-version) and the order it writes a body's keys in,
    which change with SDK releases. Replay matches JSON bodies by their content too."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        {
            "method": interaction["request"]["method"],
            "uri": interaction["request"]["uri"],
            "body": json.loads(interaction["request"]["body"]),
            "status": interaction["response"]["status"],
            "answer": interaction["response"]["body"],
        }
        for interaction in data["interactions"]
    ]


def test_shipped_cassettes_match_their_generator(tmp_path: Path) -> None:
    """Fails when the prompt, its rules or the example changed without regenerating."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import generate_cassettes
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    for scenario in generate_cassettes.SCENARIOS:
        fresh = tmp_path / f"{scenario.name}.yaml"
        generate_cassettes.generate(scenario, fresh)
        shipped = CASSETTES / f"{scenario.name}.yaml"
        assert exchanges(fresh) == exchanges(shipped), (
            f"{shipped.name} is stale: run python scripts/generate_cassettes.py"
        )
    for check in generate_cassettes.CHECK_SCENARIOS:
        fresh = tmp_path / f"{check.name}.yaml"
        shipped = CASSETTES / f"{check.name}.yaml"
        recorded = generate_cassettes.generate_check(check, fresh)
        assert recorded == shipped.exists(), f"{shipped.name} is stale: regenerate it"
        if recorded:
            assert exchanges(fresh) == exchanges(shipped), f"{shipped.name} is stale"


def test_staleness_check_sees_a_changed_request(tmp_path: Path) -> None:
    shipped = CASSETTES / "anthropic-single.yaml"
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        shipped.read_text(encoding="utf-8").replace("claude-sonnet-5-5", "claude-other", 1),
        encoding="utf-8",
    )
    assert exchanges(changed) != exchanges(shipped)


def test_staleness_check_ignores_the_order_of_body_keys(tmp_path: Path) -> None:
    shipped = CASSETTES / "anthropic-single.yaml"
    data = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    request = data["interactions"][0]["request"]
    request["body"] = json.dumps(json.loads(request["body"]), sort_keys=True)
    reordered = tmp_path / "reordered.yaml"
    reordered.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert reordered.read_text(encoding="utf-8") != shipped.read_text(encoding="utf-8")
    assert exchanges(reordered) == exchanges(shipped)


def recorded_requests(name: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Each recorded exchange answered 200: the URI, the request body and the response body."""
    data = yaml.safe_load((CASSETTES / f"{name}.yaml").read_text(encoding="utf-8"))
    return [
        (
            interaction["request"]["uri"],
            json.loads(interaction["request"]["body"]),
            json.loads(interaction["response"]["body"]["string"]),
        )
        for interaction in data["interactions"]
        if interaction["response"]["status"]["code"] == 200
    ]


def asked_parts(schema: dict[str, Any]) -> Ask:
    """The parts a recorded patch schema names: each candidate whole, or the fields it holds."""
    parts = []
    for key, node in schema["properties"].items():
        if key.startswith("candidate_"):
            if "$ref" in node:
                node = schema["$defs"][node["$ref"].rpartition("/")[2]]
            fields = () if "theme" in node["properties"] else tuple(node["properties"])[1:]
            parts.append(Part(key[-1].upper(), fields))
    return Ask(tuple(parts), "start_first" in schema["properties"])


def asked_for(body: dict[str, Any]) -> type[BaseModel]:
    """The response model a recorded request asked for: the result document, a targeted
    re-ask's patch (rebuilt from the parts it names), or the verdicts."""
    if "output_config" in body:
        schema = body["output_config"]["format"]["schema"]
    else:
        schema = body["response_format"]["json_schema"]["schema"]
    if schema["title"] == "SpecCandidatesPatch":
        rules = load_prompt_pack("tenantpilot.spec-candidates", EXAMPLE).rules
        return asked_parts(schema).response_model(rules, gather_numbering_evidence(EXAMPLE))
    return JudgeVerdicts if schema["title"] == "JudgeVerdicts" else SpecCandidates


@pytest.mark.parametrize("name", KINDS)
def test_recorded_requests_carry_the_native_structured_output(name: str) -> None:
    kind = KINDS[name]
    exchanges = recorded_requests(name)
    assert exchanges
    for uri, body, _ in exchanges:
        model = asked_for(body)
        if kind == "anthropic":
            assert uri == "https://api.anthropic.com/v1/messages"
            output_format = body["output_config"]["format"]
            assert output_format["type"] == "json_schema"
            assert output_format["schema"] == strict_schema(model, "anthropic")
            assert output_format["schema"]["additionalProperties"] is False
            if model is SpecCandidates:
                assert "minItems" not in output_format["schema"]["properties"]["candidates"]
            assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
        else:
            assert uri.endswith("/v1/chat/completions")
            json_schema = body["response_format"]["json_schema"]
            assert body["response_format"]["type"] == "json_schema"
            assert json_schema["strict"] is True
            assert json_schema["name"] == model.__name__
            assert json_schema["schema"] == strict_schema(model, "openai")
            if model is SpecCandidates:
                assert json_schema["schema"]["properties"]["candidates"]["maxItems"] == 4
        assert "tools" not in body


@pytest.mark.parametrize("name", ["anthropic-reask", "openai-reask", "anthropic-judge-check"])
def test_the_judge_is_asked_for_its_verdicts_in_the_recordings_that_judge(name: str) -> None:
    assert JudgeVerdicts in {asked_for(body) for _, body, _ in recorded_requests(name)}


@pytest.mark.parametrize(
    ("name", "letters"),
    [
        ("anthropic-reask", ["candidate_a", "candidate_b"]),
        ("openai-reask", ["candidate_c"]),
        ("local-reask", ["candidate_a", "candidate_b"]),
    ],
)
def test_the_reask_recordings_show_a_targeted_reask_answered_by_patch(
    name: str, letters: list[str]
) -> None:
    patches = [
        (body, answer)
        for _, body, answer in recorded_requests(name)
        if asked_for(body).__name__ == "SpecCandidatesPatch"
    ]
    [(body, answer)] = patches
    first = recorded_requests(name)[0][1]
    if "system" in body:
        assert body["system"] == first["system"]
    else:
        assert body["messages"][0] == first["messages"][0]
    text = (
        answer["content"][0]["text"]
        if "content" in answer
        else answer["choices"][0]["message"]["content"]
    )
    assert list(json.loads(text)) == letters


def test_the_openai_compatible_cassette_speaks_to_the_local_server() -> None:
    [(uri, body, _), *_] = recorded_requests("local-reask")
    assert uri == "http://127.0.0.1:11434/v1/chat/completions"
    assert body["model"] == "qwen2.5:32b"
    assert "max_tokens" in body


def parsed_by_the_sdk(kind: str, answer: dict[str, Any], model: type[BaseModel]) -> Any:
    """The recorded answer, served again, as the vendor SDK's own structured-output parser
    reads it."""
    with scripted_server([Reply(200, answer)]) as server:
        messages: Any = [{"role": "user", "content": "answer"}]
        if kind == "anthropic":
            client = anthropic.Anthropic(api_key="kv-sdk", base_url=server.url, max_retries=0)
            return client.messages.parse(
                model="m", max_tokens=10, messages=messages, output_format=model
            ).parsed_output
        sdk = openai.OpenAI(api_key="kv-sdk", base_url=server.url + "/v1", max_retries=0)
        completion = sdk.chat.completions.parse(model="m", messages=messages, response_format=model)
        return completion.choices[0].message.parsed


@pytest.mark.parametrize("name", KINDS)
def test_the_vendor_sdk_parses_every_recorded_answer(name: str) -> None:
    kind = KINDS[name]
    for _, body, answer in recorded_requests(name):
        model = asked_for(body)
        if answer.get("choices", [{}])[0].get("finish_reason") == "length":
            with pytest.raises(openai.LengthFinishReasonError):
                parsed_by_the_sdk(kind, answer, model)
            continue
        text = (
            answer["content"][0]["text"]
            if kind == "anthropic"
            else answer["choices"][0]["message"]["content"]
        )
        assert parsed_by_the_sdk(kind, answer, model) == model.model_validate_json(text)


def record(
    tmp_path: Path, profile: str, reply: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    path = tmp_path / "live.yaml"
    with scripted_server([reply]) as server:
        built_in = BUILT_IN_PROFILES[profile]
        base_url = server.url + ("/v1" if built_in.kind == "openai" else "")
        settings = Settings(
            profile,
            built_in.model_copy(update={"base_url": base_url, "api_key_env": "LIVE_KEY"}),
            1,
            RetryPolicy(),
            "test",
        )
        execute_run(
            EXAMPLE,
            "tenantpilot.spec-candidates",
            settings,
            {"LIVE_KEY": KEY},
            report=lambda line: None,
            recording=Recording(path, record=True),
        )
        sent = " ".join(server.requests[0].headers.values())
    return path.read_text(encoding="utf-8"), sent


@pytest.mark.parametrize("profile", ["anthropic", "openai"])
def test_recording_scrubs_keys_and_credential_headers_before_writing(
    tmp_path: Path,
    profile: str,
    valid_document: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document = dict(valid_document, numbering_strategy=f"Echoes {KEY} and sk-ant-api03-abcdefgh")
    reply = (anthropic_json_answer if profile == "anthropic" else openai_json_answer)(document)
    text, sent = record(tmp_path, profile, reply, monkeypatch)
    assert KEY in sent
    assert KEY not in text
    assert "sk-ant-api03" not in text
    headers = {
        name.lower()
        for interaction in yaml.safe_load(text)["interactions"]
        for part in ("request", "response")
        for name in interaction[part]["headers"]
    }
    assert not headers & {"authorization", "x-api-key", "cookie", "set-cookie"}


def test_scrub_blanks_known_and_key_shaped_secrets() -> None:
    assert scrub("a kv-1 b sk-proj-0123456789abcdef c", ("kv-1",)) == ("a REDACTED b REDACTED c")


def test_missing_cassette_is_an_input_error(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("run", "--repo", EXAMPLE, "--cassette", tmp_path / "absent.yaml")
    assert result.exit_code == 2
    assert "cassette" in result.stderr
    assert "does not exist" in result.stderr


def test_a_changed_repository_finds_no_recording(invoke: Invoke, example_repo: Path) -> None:
    spec = example_repo / "specs/111-findings-workflow-sla/spec.md"
    spec.write_text(spec.read_text() + "\n- **FR-005**: A late change.\n")
    cassette = CASSETTES / "anthropic-reask.yaml"
    result = invoke("run", "--repo", example_repo, "--cassette", cassette)
    assert result.exit_code == 2, "nothing was contacted: the recording does not fit the input"
    assert "has no recorded answer for this request" in result.stderr
    assert "changed since it was recorded" in result.stderr


def test_record_needs_a_cassette(invoke: Invoke) -> None:
    result = invoke("run", "--repo", EXAMPLE, "--record")
    assert result.exit_code == 2
    assert "--record needs --cassette" in result.stderr


def last_line(result: Any) -> str:
    return str(result.stderr.splitlines()[-1])


@pytest.mark.parametrize("record_flag", [(), ("--record",)], ids=["replay", "record"])
def test_a_directory_as_cassette_is_an_input_error(
    invoke: Invoke, tmp_path: Path, record_flag: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    result = invoke("run", "--repo", EXAMPLE, "--cassette", tmp_path, *record_flag)
    assert result.exit_code == 2
    assert last_line(result) == (
        f"specrun: error: cassette {tmp_path} is a directory; pass a cassette file such as "
        f"{tmp_path}/run.yaml"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("record_flag", [(), ("--record",)], ids=["replay", "record"])
def test_a_fifo_as_cassette_is_refused_without_opening_it(
    invoke: Invoke, tmp_path: Path, record_flag: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    fifo = tmp_path / "tape.yaml"
    os.mkfifo(fifo)
    result = invoke("run", "--repo", EXAMPLE, "--cassette", fifo, *record_flag)
    assert result.exit_code == 2
    assert last_line(result) == (
        f"specrun: error: cassette {fifo} is not a regular file; pass a cassette file"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("interactions: [\n", "while parsing a flow"),
        ("- just\n- a list\n", "list indices must be integers"),
        ("interactions:\n- {}\n", "'request'"),
        ("interactions: !!python/object/apply:os.system ['touch MARKER']\n", "problem loading"),
    ],
    ids=["bad-yaml", "a-list", "no-request", "python-tag"],
)
def test_a_malformed_or_python_tagged_cassette_is_one_input_error_line(
    invoke: Invoke, tmp_path: Path, text: str, problem: str
) -> None:
    marker = tmp_path / "executed"
    cassette = tmp_path / "tape.yaml"
    cassette.write_text(text.replace("MARKER", str(marker)))
    result = invoke("run", "--repo", EXAMPLE, "--cassette", cassette)
    assert result.exit_code == 2
    line = last_line(result)
    assert line.startswith(f"specrun: error: cassette {cassette} is not a readable vcrpy cassette")
    assert problem in line
    assert line.endswith("; record it again with --record")
    assert "Traceback" not in result.stderr
    assert not marker.exists()


def test_a_cassette_with_yaml_aliases_is_refused_before_it_is_read(
    invoke: Invoke, tmp_path: Path
) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    cassette = tmp_path / "bomb.yaml"
    cassette.write_text("\n".join(levels) + "\ninteractions: [{request: {body: *a8}}]\n")
    result = invoke("run", "--repo", EXAMPLE, "--cassette", cassette)
    assert result.exit_code == 2
    assert last_line(result) == (
        f"specrun: error: cassette {cassette} uses YAML aliases, which specrun does not read; "
        "record it again with --record"
    )


def test_no_shipped_cassette_uses_yaml_aliases() -> None:
    for shipped in sorted(CASSETTES.glob("*.yaml")):
        screen(shipped, DEFAULT_LIMITS)


def test_a_failed_recording_leaves_no_cassette_behind(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_environment: Path
) -> None:
    monkeypatch.setenv("LIVE_KEY", KEY)
    cassette = tmp_path / "live.yaml"
    with scripted_server([anthropic_error(401, "authentication_error")]) as server:
        config = tmp_path / "live.toml"
        config.write_text(
            'provider = "live"\n[providers.live]\nkind = "anthropic"\nmodel = "m"\n'
            f'base_url = "{server.url}"\napi_key_env = "LIVE_KEY"\n'
        )
        result = invoke(
            "run", "--repo", EXAMPLE, "--config", config, "--cassette", cassette, "--record"
        )
    assert result.exit_code == 3
    assert "authentication failed (HTTP 401)" in result.stderr
    assert not cassette.exists()
    assert not cassette.with_name("live.yaml.recording").exists()


class RawBytes(BaseHTTPRequestHandler):
    """Answers every POST with bytes that are not UTF-8."""

    body = b'{"note": "\xff\xfe\x80 kv-recorded-key-7c21 tail"}'

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/octet-stream")
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_response_bytes_that_are_not_utf8_replay_exactly_with_the_key_scrubbed(
    tmp_path: Path,
) -> None:
    import httpx2

    server = ThreadingHTTPServer(("127.0.0.1", 0), RawBytes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/raw"
    path = tmp_path / "raw.yaml"
    try:
        with cassette(path, record=True, secrets=(KEY,)), httpx2.Client() as client:
            recorded = client.post(url, content=b"{}").content
    finally:
        server.shutdown()
        server.server_close()
    with cassette(path, record=False), httpx2.Client() as client:
        replayed = client.post(url, content=b"{}").content
    assert recorded == RawBytes.body
    assert replayed == RawBytes.body.replace(KEY.encode(), b"REDACTED")
    assert KEY not in path.read_text(encoding="utf-8")


DEMO = CASSETTES / "anthropic-reask.yaml"


@pytest.mark.parametrize(
    ("name", "kind", "model", "base_url", "parameter"),
    [
        ("anthropic-reask", "anthropic", "claude-sonnet-5-5", None, "max_tokens"),
        ("openai-reask", "openai", "gpt-5.5", None, "max_completion_tokens"),
        ("local-reask", "openai", "qwen2.5:32b", "http://127.0.0.1:11434/v1", "max_tokens"),
    ],
)
def test_a_cassette_knows_the_profile_it_was_recorded_with(
    name: str, kind: str, model: str, base_url: str | None, parameter: str
) -> None:
    profile = recorded_profile(CASSETTES / f"{name}.yaml")
    assert profile is not None
    assert (profile.kind, profile.model, profile.base_url) == (kind, model, base_url)
    assert (profile.output_token_parameter, profile.max_tokens) == (parameter, 16000)


def test_an_unreadable_cassette_knows_no_profile(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("interactions: [{request: {uri: 3}}]\n")
    assert recorded_profile(broken) is None
    assert recorded_profile(tmp_path / "absent.yaml") is None


def test_the_demo_replays_whatever_specrun_model_says(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECRUN_MODEL", "claude-opus-5")
    monkeypatch.setenv("SPECRUN_PROVIDER", "openai")
    result = invoke("run", "--repo", EXAMPLE, "--cassette", DEMO)
    assert result.exit_code == 0, result.stderr
    assert (
        f"{DEMO} was recorded for anthropic claude-sonnet-5-5 at https://api.anthropic.com; "
        "replaying with that instead of profile openai" in result.stderr
    )
    assert "replayed 3 of 3 recorded interactions" in result.stderr


def test_the_demo_replays_whatever_the_repositorys_config_says(
    invoke: Invoke, example_repo: Path
) -> None:
    (example_repo / "specrun.toml").write_text(
        'provider = "openai"\n\n[providers.openai]\nmodel = "gpt-4.1"\nmax_tokens = 8000\n'
    )
    result = invoke("run", "--repo", example_repo, "--cassette", DEMO)
    assert result.exit_code == 0, result.stderr
    assert "replaying with that instead of profile openai" in result.stderr
    assert result.stdout.startswith("# Spec candidates")


def test_a_silent_replay_when_the_config_already_matches(invoke: Invoke) -> None:
    result = invoke("run", "--repo", EXAMPLE, "--cassette", DEMO)
    assert result.exit_code == 0, result.stderr
    assert "was recorded for" not in result.stderr


@pytest.mark.parametrize(
    ("flags", "asked"),
    [
        (("--provider", "openai"), "openai gpt-5.5 at https://api.openai.com/v1"),
        (("--model", "claude-opus-5"), "anthropic claude-opus-5 at https://api.anthropic.com"),
        (
            ("--provider", "local"),
            "openai qwen2.5:32b at http://127.0.0.1:11434/v1",
        ),
    ],
)
def test_replaying_with_another_provider_or_model_names_both(
    invoke: Invoke, tmp_path: Path, flags: tuple[str, ...], asked: str
) -> None:
    out = tmp_path / "result.md"
    result = invoke("run", "--repo", EXAMPLE, "--cassette", DEMO, *flags, "--out", out)
    assert result.exit_code == 2
    assert (
        f"cassette {DEMO} was recorded for anthropic claude-sonnet-5-5 at "
        f"https://api.anthropic.com, but this run asks {asked}; replay it without --provider"
    ) in result.stderr
    assert "changed since it was recorded" not in result.stderr
    assert not out.exists()


def test_specrun_model_does_not_leak_into_a_provider_chosen_by_flag(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, this asked for openai/claude-sonnet-5-5 and found no recording."""
    monkeypatch.setenv("SPECRUN_MODEL", "claude-sonnet-5-5")
    cassette = CASSETTES / "openai-reask.yaml"
    result = invoke("run", "--repo", EXAMPLE, "--cassette", cassette, "--provider", "openai")
    assert result.exit_code == 0, result.stderr
    assert "attempt 1: gpt-5.5" in result.stderr


def test_the_shipped_judgement_replays_for_check(invoke: Invoke) -> None:
    """``check --judge --cassette`` with the generated recording, no key and no network."""
    result = invoke(
        "check",
        ROOT / "tests" / "fixtures" / "unsure-boundary-result.json",
        "--repo",
        EXAMPLE,
        "--judge",
        "--cassette",
        CASSETTES / "anthropic-judge-check.yaml",
    )
    assert result.exit_code == 0, result.stderr
    assert "judge: claude-haiku-4-5" in result.stderr
    assert "1 hold(s), 0 broken, 0 left for review" in result.stderr
    assert "unsure-boundary-result.json: valid" in result.stderr


def live_config(tmp_path: Path, url: str, kind: str = "anthropic") -> Path:
    config = tmp_path / "live.toml"
    config.write_text(
        f'provider = "live"\njudge = false\n[providers.live]\nkind = "{kind}"\n'
        f'model = "m"\nbase_url = "{url}"\napi_key_env = "LIVE_KEY"\n'
    )
    return config


def record_cli(invoke: Invoke, tmp_path: Path, replies: list[Reply]) -> tuple[Any, Path]:
    cassette_path = tmp_path / "live.yaml"
    with scripted_server(replies) as server:
        result = invoke(
            "run",
            "--repo",
            EXAMPLE,
            "--config",
            live_config(tmp_path, server.url),
            "--max-attempts",
            "1",
            "--cassette",
            cassette_path,
            "--record",
        )
    return result, cassette_path


ECHOED = "sk-ant-api03-echoedbyserver"


def test_a_key_echoed_in_a_response_header_never_reaches_the_cassette(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
) -> None:
    monkeypatch.setenv("LIVE_KEY", KEY)
    reply = anthropic_json_answer(valid_document)
    echoing = Reply(
        reply.status,
        reply.body,
        {"x-debug-echo": f"received key {KEY}", "x-shaped": f"saw {ECHOED}"},
    )
    result, path = record_cli(invoke, tmp_path, [echoing])
    assert result.exit_code == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    assert "x-debug-echo" in text
    assert KEY not in text
    assert ECHOED not in text
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_key_in_a_compressed_error_body_and_reason_is_scrubbed_before_writing(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    monkeypatch.setenv("LIVE_KEY", KEY)
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": KEY}}
    compressed = gzip.compress(json.dumps(body).encode() + f" {ECHOED}".encode())
    reply = Reply(400, body, {"content-encoding": "gzip", "x-echo": KEY}, payload=compressed)
    cassette_path = tmp_path / "live.yaml"
    with (
        scripted_server([reply]) as server,
        cassette(cassette_path, record=True, secrets=(KEY,)),
    ):
        import httpx2

        from specrun.providers.transport import DeadlineClient

        with DeadlineClient(5, "live", server.url) as client:
            client.post(server.url + "/v1/messages", content=b"{}", headers={"x-api-key": KEY})
    text = cassette_path.read_text(encoding="utf-8")
    assert "invalid_request_error" in text  # decoded, so it could be searched
    assert KEY not in text
    assert ECHOED not in text
    assert "content-encoding" not in text.lower()
    assert httpx2  # the SDKs' HTTP library recorded it


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("SPECRUN_MAX_CASSETTE_BYTES", "1000", "over the limit of 1,000 bytes"),
        ("SPECRUN_MAX_CASSETTE_INTERACTIONS", "1", "more than 1 interactions"),
    ],
)
def test_a_cassette_over_its_caps_is_one_error_line_naming_the_variable(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    monkeypatch.setenv(variable, value)
    result = invoke("run", "--repo", EXAMPLE, "--cassette", CASSETTES / "anthropic-reask.yaml")
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("specrun: error: cassette ")
    assert problem in last
    assert variable in last
    assert result.stderr.count("specrun: error") == 1
    assert result.stdout == ""


def test_check_judge_replay_honours_the_cassette_caps(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECRUN_MAX_CASSETTE_BYTES", "100")
    result = invoke(
        "check",
        ROOT / "tests" / "fixtures" / "unsure-boundary-result.json",
        "--repo",
        EXAMPLE,
        "--judge",
        "--cassette",
        CASSETTES / "anthropic-judge-check.yaml",
    )
    assert result.exit_code == 2
    assert "SPECRUN_MAX_CASSETTE_BYTES" in result.stderr.strip().splitlines()[-1]


def test_many_interactions_are_counted_without_loading_them(tmp_path: Path) -> None:
    from specrun.gates.limits import Limits
    from specrun.providers.cassettes import screen

    interaction = {"request": "r", "response": "s"}
    path = tmp_path / "many.yaml"
    interactions = [dict(interaction) for _ in range(3)]
    path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}))
    screen(path, Limits(cassette_interactions=3))
    with pytest.raises(InputError, match="more than 2 interactions"):
        screen(path, Limits(cassette_interactions=2))


@pytest.mark.parametrize(
    "configure",
    [
        lambda repo, monkeypatch: monkeypatch.setenv("SPECRUN_PROVIDER", "openai"),
        lambda repo, monkeypatch: monkeypatch.setenv("SPECRUN_PROVIDER", "local"),
        lambda repo, monkeypatch: (repo / "specrun.toml").write_text(
            '[judge]\nmodel = "claude-opus-4-5"\n'
        ),
    ],
    ids=["another-provider", "a-local-server", "another-judge-model"],
)
def test_a_judgement_replays_as_recorded_whatever_the_configuration(
    invoke: Invoke,
    example_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    configure: Callable[[Path, pytest.MonkeyPatch], object],
) -> None:
    """As ``run`` does: ``check`` has no --provider or --model, so its replay follows the
    recording and never advises dropping flags that were not given."""
    configure(example_repo, monkeypatch)
    cassette = CASSETTES / "anthropic-judge-check.yaml"
    result = invoke(
        "check",
        ROOT / "tests" / "fixtures" / "unsure-boundary-result.json",
        "--repo",
        example_repo,
        "--judge",
        "--cassette",
        cassette,
    )
    assert result.exit_code == 0, result.stderr
    assert (
        f"{cassette} was recorded for anthropic claude-haiku-4-5 at https://api.anthropic.com; "
        "replaying the judge with that instead of " in result.stderr
    )
    assert "judge: claude-haiku-4-5" in result.stderr
    assert "1 hold(s), 0 broken, 0 left for review" in result.stderr
    assert "--provider" not in result.stderr
