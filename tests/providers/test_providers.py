"""The adapters: which key goes where (a vendor's default key variable only to that vendor's own
endpoint, the endpoint always the profile's own), each kind and output form on the wire against
a scripted server, unreadable responses kept whole, and the vendor SDKs' own structured-output
parsers reading the scripted answers."""

import json
from pathlib import Path
from typing import Any, Literal

import anthropic
import httpx2
import openai
import pytest
from pydantic import BaseModel
from support import EXAMPLE, ROOT, Invoke
from wire import (
    Reply,
    anthropic_json_answer,
    anthropic_tool_answer,
    anthropic_truncated,
    openai_json_answer,
    openai_refusal,
    openai_tool_answer,
    scripted_server,
)

from specrun.document.model import SpecCandidates
from specrun.errors import InputError, ProviderError
from specrun.providers import (
    KEYLESS,
    Answer,
    Request,
    TransientProviderError,
    Turn,
    api_key_for,
    build_provider,
)
from specrun.providers.calls import call_sdk, undecoded_body, unreadable
from specrun.providers.faults import DeadlineExceeded, Endpoint, Refused
from specrun.run.runner import execute_run
from specrun.settings.config import BUILT_IN_PROFILES, ProviderProfile, RetryPolicy, Settings

OPENAI_KEY = "kv-openai-key-3e8b"
ANTHROPIC_KEY = "kv-anthropic-key-44c0"
BOTH = {"OPENAI_API_KEY": OPENAI_KEY, "ANTHROPIC_API_KEY": ANTHROPIC_KEY}


@pytest.mark.parametrize(
    ("kind", "base_url", "expected"),
    [
        ("anthropic", None, ANTHROPIC_KEY),
        ("openai", None, OPENAI_KEY),
        ("openai", "https://api.openai.com/v1", OPENAI_KEY),
        ("openai", "http://127.0.0.1:11434/v1", KEYLESS),
        ("openai", "https://api.openai.com.collector.example/v1", KEYLESS),
        ("openai", "http://api.openai.com/v1", KEYLESS),
        ("anthropic", "https://models.example", KEYLESS),
        ("anthropic", "https://api.openai.com/v1", KEYLESS),
    ],
)
def test_a_default_key_goes_only_to_its_vendors_endpoint(
    kind: Literal["anthropic", "openai"], base_url: str | None, expected: str
) -> None:
    assert api_key_for(ProviderProfile(kind=kind, model="m", base_url=base_url), BOTH) == expected


def test_a_named_variable_goes_wherever_the_user_sent_it() -> None:
    profile = ProviderProfile(
        kind="openai", model="m", base_url="https://models.example/v1", api_key_env="OWN_KEY"
    )
    assert api_key_for(profile, {**BOTH, "OWN_KEY": "kv-own-key-1234"}) == "kv-own-key-1234"
    with pytest.raises(InputError, match="no API key: set the environment variable OWN_KEY"):
        api_key_for(profile, BOTH)


@pytest.mark.parametrize(
    "value", ["kv-key\r\nX-Evil: 1", "kv-key\n", "kv key", "kv-kéy", "kv\x00k"]
)
def test_a_malformed_key_is_an_input_error_that_never_echoes_it(value: str) -> None:
    profile = ProviderProfile(kind="anthropic", model="m")
    with pytest.raises(InputError) as caught:
        api_key_for(profile, {"ANTHROPIC_API_KEY": value})
    assert str(caught.value) == (
        "the value of ANTHROPIC_API_KEY is not an API key: it holds a space, line break or other "
        "non-printable character; set the variable again"
    )


def test_a_malformed_key_stops_the_run_before_any_request(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_environment: Path
) -> None:
    monkeypatch.setenv("LOOP_KEY", "kv-loop-key\r\n")
    with scripted_server([]) as server:
        config = tmp_path / "loop.toml"
        config.write_text(
            'provider = "loop"\n[providers.loop]\nkind = "openai"\nmodel = "m"\n'
            f'base_url = "{server.url}/v1"\napi_key_env = "LOOP_KEY"\n'
        )
        result = invoke("run", "--repo", EXAMPLE, "--config", config)
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "specrun: error: the value of LOOP_KEY is not an API key: it holds a space, line break "
        "or other non-printable character; set the variable again\n"
    )
    assert server.requests == []
    assert "kv-loop-key" not in result.stdout + result.stderr
    assert not isolated_environment.exists()


def test_the_local_profile_never_sends_the_openai_key(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
    isolated_environment: Path,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    with scripted_server([openai_json_answer(valid_document)]) as server:
        own = tmp_path / "user-config" / "specrun" / "config.toml"
        own.parent.mkdir(parents=True)
        own.write_text(f'[providers.local]\nbase_url = "{server.url}/v1"\n')
        result = invoke("run", "--repo", EXAMPLE, "--provider", "local", "--format", "json")
    assert result.exit_code == 0, result.stderr
    headers = {name.lower(): value for name, value in server.requests[0].headers.items()}
    assert headers["authorization"] == f"Bearer {KEYLESS}"
    assert OPENAI_KEY not in json.dumps(server.requests[0].headers)
    records = "".join(path.read_text() for path in isolated_environment.glob("*.json"))
    assert json.loads(records)["provider"]["base_url"] == f"{server.url}/v1"


@pytest.mark.parametrize(
    ("kind", "variable", "answer", "endpoint"),
    [
        ("anthropic", "ANTHROPIC_BASE_URL", anthropic_json_answer, "https://api.anthropic.com"),
        ("openai", "OPENAI_BASE_URL", openai_json_answer, "https://api.openai.com/v1"),
    ],
)
def test_base_url_variables_do_not_reroute_a_built_in_profile(
    kind: Literal["anthropic", "openai"],
    variable: str,
    answer: Any,
    endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
    isolated_environment: Path,
) -> None:
    monkeypatch.setenv(variable, "http://127.0.0.1:9/collector")
    seen: list[httpx2.URL] = []

    def vendor(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url)
        return httpx2.Response(200, json=answer(valid_document).body)

    settings = Settings(kind, ProviderProfile(kind=kind, model="m"), 1, RetryPolicy(), "test")
    result = execute_run(
        EXAMPLE,
        "tenantpilot.spec-candidates",
        settings,
        {f"{kind.upper()}_API_KEY": "kv-vendor-key-0a0a"},
        report=lambda line: None,
        http_client=httpx2.Client(transport=httpx2.MockTransport(vendor)),
    )
    assert [str(url).startswith(endpoint) for url in seen] == [True]
    record = json.loads(result.record_path.read_text())
    assert record["provider"]["base_url"] == endpoint


def test_the_run_names_a_rerouting_variable_it_ignores(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/collector")
    cassette = ROOT / "cassettes" / "anthropic-single.yaml"
    result = invoke("run", "--repo", EXAMPLE, "--cassette", cassette, "--format", "json")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(
        "using profile anthropic (anthropic, model claude-sonnet-5-5) at https://api.anthropic.com;"
    )
    assert lines[1].startswith("note: ANTHROPIC_BASE_URL is set but not used")


def test_an_unreadable_answer_keeps_the_body_the_server_sent(
    invoke: Invoke, tmp_path: Path, isolated_environment: Path
) -> None:
    body = {"id": "chatcmpl-odd", "choices": [], "note": "an answer of the wrong shape"}
    with scripted_server([Reply(200, body)]) as server:
        config = tmp_path / "loop.toml"
        config.write_text(
            'provider = "loop"\n[providers.loop]\nkind = "openai"\nmodel = "m"\n'
            f'base_url = "{server.url}/v1"\n'
        )
        result = invoke("run", "--repo", EXAMPLE, "--config", config, "--max-attempts", "1")
    assert result.exit_code == 1
    [record] = isolated_environment.glob("*.json")
    raw = json.loads(json.loads(record.read_text())["attempts"][0]["raw"])
    assert (raw["id"], raw["choices"], raw["note"]) == (
        "chatcmpl-odd",
        [],
        "an answer of the wrong shape",
    )


REQUEST = Request("the system prompt", (Turn("user", "answer now"),))


class Verdict(BaseModel):
    """Another response model, as the judge sends one."""

    code: str
    holds: bool
    quote: str | None


def ask(
    profile_name: str, reply: Reply, request: Request = REQUEST, **changes: Any
) -> tuple[Answer, dict[str, Any]]:
    """One completion through the real SDK; the answer and the request body it sent."""
    with scripted_server([reply]) as server:
        profile = BUILT_IN_PROFILES[profile_name]
        path = "/v1" if profile.kind == "openai" else ""
        local = profile.model_copy(update={"base_url": server.url + path, **changes})
        answer = build_provider(local, "kv-provider-test").complete(request)
    [seen] = server.requests
    return answer, seen.body


def test_anthropic_native_sends_output_config_and_reads_the_text(
    valid_document: dict[str, Any],
) -> None:
    answer, body = ask("anthropic", anthropic_json_answer(valid_document, cache_write=9))
    output_format = body["output_config"]["format"]
    assert output_format["type"] == "json_schema"
    assert output_format["schema"]["additionalProperties"] is False
    assert "tools" not in body
    assert "tool_choice" not in body
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert json.loads(answer.raw) == valid_document
    assert answer.stop_reason == "end_turn"
    assert answer.usage.cache_write_tokens == 9
    assert not answer.truncated


def test_anthropic_tool_sends_a_strict_forced_tool_and_reads_its_input(
    valid_document: dict[str, Any],
) -> None:
    answer, body = ask("anthropic", anthropic_tool_answer(valid_document), output="tool")
    [tool] = body["tools"]
    assert tool["strict"] is True
    assert tool["name"] == "SpecCandidates"
    assert tool["input_schema"]["additionalProperties"] is False
    assert body["tool_choice"] == {"type": "tool", "name": "SpecCandidates"}
    assert "output_config" not in body
    assert json.loads(answer.raw) == valid_document
    assert answer.stop_reason == "tool_use"


def test_anthropic_truncation_is_the_stop_reason(valid_document: dict[str, Any]) -> None:
    answer, _ = ask("anthropic", anthropic_truncated(valid_document))
    assert answer.truncated
    assert answer.stop_reason == "max_tokens"
    assert json.dumps(valid_document).startswith(answer.raw)


@pytest.mark.parametrize("profile", ["openai", "local"])
def test_openai_native_sends_a_strict_json_schema_response_format(
    profile: str, valid_document: dict[str, Any]
) -> None:
    answer, body = ask(profile, openai_json_answer(valid_document))
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "SpecCandidates"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["candidates"]["maxItems"] == 4
    assert "tools" not in body
    assert json.loads(answer.raw) == valid_document
    assert answer.stop_reason == "stop"


def test_openai_tool_sends_a_strict_function_and_reads_its_arguments(
    valid_document: dict[str, Any],
) -> None:
    answer, body = ask("openai", openai_tool_answer(valid_document), output="tool")
    [tool] = body["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["strict"] is True
    assert tool["function"]["parameters"]["additionalProperties"] is False
    assert body["tool_choice"] == {"type": "function", "function": {"name": "SpecCandidates"}}
    assert body["parallel_tool_calls"] is False
    assert "response_format" not in body
    assert json.loads(answer.raw) == valid_document


def test_openai_refusal_is_a_declined_answer() -> None:
    answer, _ = ask("openai", openai_refusal("I cannot help with that."))
    assert answer.declined
    assert answer.raw == "I cannot help with that."


def test_openai_length_stop_is_truncation() -> None:
    answer, _ = ask("local", openai_json_answer(None, content='{"a": ', finish_reason="length"))
    assert answer.truncated


@pytest.mark.parametrize(
    ("profile", "output", "reply", "schema_at"),
    [
        ("anthropic", "native", anthropic_json_answer({}), ("output_config", "format", "schema")),
        ("anthropic", "tool", anthropic_tool_answer({}), ("tools", 0, "input_schema")),
        ("openai", "native", openai_json_answer({}), ("response_format", "json_schema", "schema")),
        ("openai", "tool", openai_tool_answer({}), ("tools", 0, "function", "parameters")),
    ],
    ids=["anthropic-native", "anthropic-tool", "openai-native", "openai-tool"],
)
def test_any_response_model_goes_out_as_its_own_schema(
    profile: str, output: str, reply: Reply, schema_at: tuple[str | int, ...]
) -> None:
    request = Request("judge", (Turn("user", "judge it"),), response_model=Verdict)
    _, body = ask(profile, reply, request, output=output)
    schema: Any = body
    for step in schema_at:
        schema = schema[step]
    assert schema["title"] == "Verdict"
    assert schema["required"] == ["code", "holds", "quote"]


def test_the_request_is_the_same_bytes_on_every_call(valid_document: dict[str, Any]) -> None:
    replies = [anthropic_json_answer(valid_document) for _ in range(2)]
    with scripted_server(replies) as server:
        profile = BUILT_IN_PROFILES["anthropic"].model_copy(update={"base_url": server.url})
        provider = build_provider(profile, "kv-provider-test")
        provider.complete(REQUEST)
        provider.complete(REQUEST)
    first, second = server.requests
    assert json.dumps(first.body) == json.dumps(second.body)


def test_the_anthropic_sdk_parses_the_scripted_native_answer(
    valid_document: dict[str, Any],
) -> None:
    with scripted_server([anthropic_json_answer(valid_document)]) as server:
        client = anthropic.Anthropic(api_key="kv-sdk-test", base_url=server.url, max_retries=0)
        message = client.messages.parse(
            model="claude-sonnet-5-5",
            max_tokens=100,
            messages=[{"role": "user", "content": "answer"}],
            output_format=SpecCandidates,
        )
    assert server.requests[0].body["output_config"]["format"]["type"] == "json_schema"
    assert message.parsed_output == SpecCandidates.model_validate(valid_document)


@pytest.mark.parametrize(
    ("reply", "tools"),
    [
        (openai_json_answer, False),
        (openai_tool_answer, True),
    ],
    ids=["response-format", "strict-tool"],
)
def test_the_openai_sdk_parses_the_scripted_answer(
    valid_document: dict[str, Any], reply: Any, tools: bool
) -> None:
    with scripted_server([reply(valid_document)]) as server:
        client = openai.OpenAI(api_key="kv-sdk-test", base_url=server.url + "/v1", max_retries=0)
        messages: Any = [{"role": "user", "content": "answer"}]
        parsed: object
        if tools:
            called = client.chat.completions.parse(
                model="gpt-5.5",
                messages=messages,
                tools=[openai.pydantic_function_tool(SpecCandidates)],
            )
            [call] = called.choices[0].message.tool_calls or []
            parsed = call.function.parsed_arguments
        else:
            answered = client.chat.completions.parse(
                model="gpt-5.5", messages=messages, response_format=SpecCandidates
            )
            parsed = answered.choices[0].message.parsed
    assert parsed == SpecCandidates.model_validate(valid_document)


def test_a_body_that_did_not_decode_is_kept_as_text() -> None:
    truncated = '{"id": "c", "choices": [ cut'
    with pytest.raises(json.JSONDecodeError) as not_json:
        json.loads(truncated)
    assert undecoded_body(not_json.value) == truncated
    with pytest.raises(UnicodeDecodeError) as not_utf8:
        b'{"note": "\xff\xfe"}'.decode("utf-8")
    assert undecoded_body(not_utf8.value) == '{"note": "\\xff\\xfe"}'


def test_an_unreadable_response_is_kept_whole() -> None:
    from openai.types.chat import ChatCompletion

    empty = ChatCompletion.model_validate(
        {"id": "c", "choices": [], "created": 0, "model": "m", "object": "chat.completion"}
    )
    assert unreadable("a text body") == Answer("a text body", stop_reason="unreadable response")
    assert json.loads(unreadable(empty).raw)["id"] == "c"
    assert json.loads(unreadable([1, 2]).raw) == [1, 2]
    assert unreadable(empty).unreadable


@pytest.mark.parametrize("profile", ["anthropic", "openai"])
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"id": "c", "choices": [ cut', '{"id": "c", "choices": [ cut'),
        (b"plain words", "plain words"),
        (b'{"note": "\xff"}', '{"note": "\\xff"}'),
        (b"[1, 2]", "[1, 2]"),
        (b'{"choices": "x", "content": 5}', None),
    ],
    ids=["not-json", "text", "not-utf8", "list", "wrong-shape"],
)
def test_a_response_of_another_shape_is_an_unreadable_answer_not_a_crash(
    profile: str, content: bytes, expected: str | None
) -> None:
    def server(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=content, headers={"content-type": "application/json"})

    client = httpx2.Client(transport=httpx2.MockTransport(server))
    provider = build_provider(BUILT_IN_PROFILES[profile], "kv-shape-test", client)
    answer = provider.complete(REQUEST)
    assert answer.unreadable
    if expected is None:
        assert json.loads(answer.raw)["choices"] == "x"
    else:
        assert answer.raw == expected


@pytest.mark.parametrize(
    ("fault", "expected", "transient"),
    [
        (
            Refused(Endpoint("local", "http://127.0.0.1:11434/v1")),
            "cannot connect to http://127.0.0.1:11434/v1 (profile local): is the server running?",
            False,
        ),
        (DeadlineExceeded(0.5), "no complete answer within the 0.5s deadline", True),
    ],
    ids=["refused", "deadline"],
)
def test_a_transport_fault_the_sdk_leaves_unwrapped_is_translated(
    fault: Exception, expected: str, transient: bool
) -> None:
    def create(**options: Any) -> Any:
        raise fault

    with pytest.raises(ProviderError) as caught:
        call_sdk(create, BUILT_IN_PROFILES["local"], {}, (openai.APIError,))
    assert expected in str(caught.value)
    assert isinstance(caught.value, TransientProviderError) is transient


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
@pytest.mark.parametrize("count", ["x", -5, 2.5, {"n": 1}])
def test_malformed_token_counts_read_as_zero_and_the_answer_is_kept(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    valid_document: dict[str, Any],
    kind: Literal["anthropic", "openai"],
    count: object,
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setenv("SPECRUN_RUNS_DIR", str(runs))
    monkeypatch.setenv("LOOP_KEY", "loop-key-for-tests")
    if kind == "anthropic":
        reply = anthropic_json_answer(valid_document)
        reply.body["usage"]["input_tokens"] = count
    else:
        reply = openai_json_answer(valid_document)
        reply.body["usage"]["prompt_tokens"] = count
        reply.body["usage"]["prompt_tokens_details"]["cached_tokens"] = count
    with scripted_server([reply]) as server:
        config = tmp_path / "loop.toml"
        config.write_text(
            f'provider = "loop"\njudge = false\n[providers.loop]\nkind = "{kind}"\nmodel = "m"\n'
            f'base_url = "{server.url}"\napi_key_env = "LOOP_KEY"\n'
        )
        result = invoke("run", "--repo", EXAMPLE, "--config", config, "--format", "json")
    assert result.exit_code == 0, result.stderr
    (record,) = runs.glob("*.json")
    saved = json.loads(record.read_text(encoding="utf-8"))
    assert saved["status"] == "valid"
    assert saved["usage"]["input_tokens"] == 0
    assert json.loads(result.stdout)["candidates"][0]["label"] == "Candidate A"
