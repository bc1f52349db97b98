"""Scrubbing: key values blanked in errors, ``--debug`` tracebacks and recordings."""

import json
from pathlib import Path

import pytest
from support import EXAMPLE, Invoke
from wire import anthropic_error, anthropic_json_answer, scripted_server

from specrun.gates.credentials import REDACTED, remember, scrub, scrub_bytes, secret_values

KEY = "kv-echoed-key-8f21c0"


def test_secret_values_are_the_credential_variables_and_the_keys_in_use() -> None:
    environ = {
        "GITHUB_TOKEN": "kv-token-value-1",
        "LOCAL_LLM_KEY": "kv-local-value-2",
        "DB_PASSWORD": "kv-password-v-3",
        "HOME": "/home/someone",
        "SHORT_TOKEN": "abc",
    }
    remember("kv-remembered-key-4")
    values = secret_values(environ, variables=["LOCAL_LLM_KEY"])
    assert set(values) >= {
        "kv-token-value-1",
        "kv-local-value-2",
        "kv-password-v-3",
        "kv-remembered-key-4",
    }
    assert "/home/someone" not in values
    assert "abc" not in values
    assert list(values) == sorted(values, key=len, reverse=True)


def test_scrub_blanks_secrets_whole_and_key_shaped_strings() -> None:
    text = "a kv-secret-long-one b kv-secret c sk-ant-api03-abcdefgh d"
    assert scrub(text, ("kv-secret-long-one", "kv-secret")) == (
        f"a {REDACTED} b {REDACTED} c {REDACTED} d"
    )


def test_scrub_bytes_keeps_every_other_byte() -> None:
    body = b"\xff\xfe\x00 kv-secret-7788 \x80\x81 sk-proj-0123456789abcdef"
    assert scrub_bytes(body, ("kv-secret-7788",)) == b"\xff\xfe\x00 REDACTED \x80\x81 REDACTED"


def test_debug_tracebacks_and_error_lines_never_show_a_key_a_server_echoed(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_environment: Path
) -> None:
    monkeypatch.setenv("LOOP_KEY", KEY)
    echo = anthropic_error(400, "invalid_request_error")
    echo.body["error"]["message"] = f"x-api-key {KEY} is not valid for this model"
    with scripted_server([echo]) as server:
        config = tmp_path / "loop.toml"
        config.write_text(
            'provider = "loop"\n[providers.loop]\nkind = "anthropic"\nmodel = "m"\n'
            f'base_url = "{server.url}"\napi_key_env = "LOOP_KEY"\n'
        )
        result = invoke("--debug", "run", "--repo", EXAMPLE, "--config", config)
    assert result.exit_code == 3
    assert "Traceback" in result.stderr
    assert "is not valid for this model" in result.stderr
    assert KEY not in result.stdout + result.stderr
    assert f"x-api-key {REDACTED} is not valid" in result.stderr


def test_a_defect_is_one_scrubbed_line_and_exit_70(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOOP_API_KEY", KEY)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unexpected state while holding {KEY}")

    monkeypatch.setattr("specrun.document.source.read_answer_file", broken)
    plain = invoke("check", EXAMPLE / "missing.json")
    assert plain.exit_code == 70
    assert plain.stderr.count("\n") == 1
    assert "internal error (RuntimeError: unexpected state while holding REDACTED)" in plain.stderr
    assert "Traceback" not in plain.stderr
    debug = invoke("--debug", "check", EXAMPLE / "missing.json")
    assert debug.exit_code == 70
    assert "Traceback" in debug.stderr
    assert KEY not in plain.stderr + debug.stderr + plain.stdout + debug.stdout


@pytest.mark.parametrize("key", [KEY, 'kv-echoed"key\\8f21c0'])
def test_a_key_echoed_inside_an_answer_reaches_no_output_or_record(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("LOOP_KEY", key)
    runs = tmp_path / "runs"
    monkeypatch.setenv("SPECRUN_RUNS_DIR", str(runs))
    echo = anthropic_json_answer(None, text=f"<html>{key}</html>")
    with scripted_server([echo]) as server:
        config = tmp_path / "loop.toml"
        config.write_text(
            'provider = "loop"\nmax_attempts = 1\njudge = false\n[providers.loop]\n'
            f'kind = "anthropic"\nmodel = "m"\nbase_url = "{server.url}"\n'
            'api_key_env = "LOOP_KEY"\n'
        )
        result = invoke("run", "--repo", EXAMPLE, "--config", config)
    assert result.exit_code == 1
    assert "SC104" in result.stderr and f"<html>{REDACTED}</html>" in result.stderr
    (record,) = runs.glob("*.json")
    saved = record.read_text(encoding="utf-8")
    assert key not in result.stdout + result.stderr
    assert key not in saved and json.dumps(key)[1:-1] not in saved
