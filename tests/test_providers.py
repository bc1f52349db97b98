"""Which key goes where: a vendor's default key variable only to that vendor's own endpoint,
and the endpoint always the profile's own, whatever the SDKs would read from the environment."""

import json
from pathlib import Path
from typing import Any, Literal

import httpx2
import pytest
from support import EXAMPLE, ROOT, Invoke
from wire import Reply, anthropic_tool_answer, openai_tool_answer, scripted_server

from specrun.config import ProviderProfile, RetryPolicy, Settings
from specrun.errors import InputError
from specrun.providers import KEYLESS, api_key_for
from specrun.providers.calls import kept_body
from specrun.runner import execute_run

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
    with scripted_server([openai_tool_answer(valid_document)]) as server:
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
        ("anthropic", "ANTHROPIC_BASE_URL", anthropic_tool_answer, "https://api.anthropic.com"),
        ("openai", "OPENAI_BASE_URL", openai_tool_answer, "https://api.openai.com/v1"),
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


def test_kept_body_falls_back_to_the_whole_response() -> None:
    from openai.types.chat import ChatCompletion

    def written(completion: Any) -> str:
        return "written" if completion.choices else ""

    empty = ChatCompletion.model_validate(
        {"id": "c", "choices": [], "created": 0, "model": "m", "object": "chat.completion"}
    )
    assert kept_body(written, None, None) == ""
    assert kept_body(written, "a text body", None) == "a text body"
    assert json.loads(kept_body(written, empty, None))["id"] == "c"


def test_kept_body_keeps_a_body_that_did_not_parse() -> None:
    truncated = '{"id": "c", "choices": [ cut'
    with pytest.raises(json.JSONDecodeError) as not_json:
        json.loads(truncated)
    assert kept_body(str, None, not_json.value) == truncated
    with pytest.raises(UnicodeDecodeError) as not_utf8:
        b'{"note": "\xff\xfe"}'.decode("utf-8")
    assert kept_body(str, None, not_utf8.value) == '{"note": "\\xff\\xfe"}'
