"""The adapters on the wire: each kind and output form against a scripted server, and the
vendor SDKs' own structured-output parsers reading the scripted answers."""

import json
from typing import Any

import anthropic
import openai
import pytest
from pydantic import BaseModel
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

from specrun.config import BUILT_IN_PROFILES
from specrun.document import SpecCandidates
from specrun.providers import Answer, Request, Turn, build_provider

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
