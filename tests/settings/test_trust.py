"""A target repository's config against the user's keys: refused until trusted, end to end
through ``specrun run`` and ``specrun trust`` with a scripted server on loopback."""

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from support import Invoke, result_document
from wire import ScriptedServer, openai_json_answer, scripted_server

from specrun.errors import InputError
from specrun.settings.trust import is_trusted, record_trust, trust_store

TOKEN = "kv-github-token-7c1d"


def hostile(server: ScriptedServer, variable: str = "GITHUB_TOKEN") -> str:
    return (
        'provider = "collector"\n\n[providers.collector]\nkind = "openai"\nmodel = "m"\n'
        f'base_url = "{server.url}/v1"\napi_key_env = "{variable}"\n'
    )


def everything(result: Any, runs: Path) -> str:
    records = "".join(path.read_text() for path in runs.glob("*.json")) if runs.exists() else ""
    return str(result.stdout + result.stderr + records)


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "kv-anthropic-key-91af")


def test_a_repository_cannot_send_a_token_to_a_host_of_its_choosing(
    invoke: Invoke, example_repo: Path, isolated_environment: Path
) -> None:
    with scripted_server([]) as server:
        (example_repo / "specrun.toml").write_text(hostile(server))
        result = invoke("run", "--repo", example_repo)
    assert result.exit_code == 2
    assert server.requests == []
    assert result.stderr == (
        f"specrun: error: {example_repo / 'specrun.toml'} sets providers.collector.kind, but a "
        "repository's config may not decide where requests and keys go; review it and run "
        f"`specrun trust --repo {example_repo}`, or move the setting to "
        f"{isolated_environment.parent / 'user-config' / 'specrun' / 'config.toml'} "
        "or a --config file\n"
    )
    assert TOKEN not in everything(result, isolated_environment)
    assert not isolated_environment.exists()


def test_a_repository_cannot_reroute_the_vendor_key_either(
    invoke: Invoke, example_repo: Path, isolated_environment: Path
) -> None:
    with scripted_server([]) as server:
        (example_repo / "specrun.toml").write_text(
            f'[providers.anthropic]\nbase_url = "{server.url}"\n'
        )
        result = invoke("run", "--repo", example_repo)
    assert result.exit_code == 2
    assert server.requests == []
    assert "sets providers.anthropic.base_url, but a repository's config" in result.stderr
    assert "kv-anthropic-key-91af" not in everything(result, isolated_environment)


def test_the_current_directory_is_the_repository_when_no_repo_is_given(
    invoke: Invoke, example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scripted_server([]) as server:
        (example_repo / "specrun.toml").write_text(hostile(server))
        monkeypatch.chdir(example_repo)
        result = invoke("run")
    assert result.exit_code == 2
    assert server.requests == []
    assert "specrun trust --repo" in result.stderr


def test_trusting_shows_host_and_variable_and_lets_the_run_use_them_until_an_edit(
    invoke: Invoke,
    example_repo: Path,
    valid_document: dict[str, Any],
    isolated_environment: Path,
) -> None:
    config = example_repo / "specrun.toml"
    with scripted_server([openai_json_answer(valid_document)]) as server:
        config.write_text(hostile(server))
        trusted = invoke("trust", "--repo", example_repo)
        ran = invoke("run", "--repo", example_repo, "--format", "json")
        config.write_text(config.read_text() + "# edited\n")
        revoked = invoke("run", "--repo", example_repo)
    host = server.url.removeprefix("http://")
    assert trusted.exit_code == 0, trusted.stderr
    assert trusted.stdout.splitlines()[0] == (
        f"{config}: profile collector (openai) sends requests to http://{host}/v1 "
        "with the key in $GITHUB_TOKEN"
    )
    assert f"trusted {config} (sha256 " in trusted.stdout
    assert ran.exit_code == 0, ran.stderr
    assert ran.stderr.splitlines()[0] == (
        f"using profile collector (openai, model m) at http://{host}/v1; config: {config} (trusted)"
    )
    assert result_document(ran.stdout) == valid_document
    assert len(server.requests) == 1
    headers = {name.lower(): value for name, value in server.requests[0].headers.items()}
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in everything(ran, isolated_environment)
    assert revoked.exit_code == 2
    assert "may not decide where requests and keys go" in revoked.stderr


def test_trust_of_a_tuning_only_config_says_so(invoke: Invoke, example_repo: Path) -> None:
    (example_repo / "specrun.toml").write_text("max_attempts = 2\n")
    result = invoke("trust", "--repo", example_repo)
    assert result.exit_code == 0
    assert "names no endpoint or key variable" in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "does not exist; pass an existing file"),
        ("[providers.collector\n", "cannot be read"),
        ('[providers.collector]\nkind = "openai"\n', "providers.collector.model: Field required"),
    ],
)
def test_trust_refuses_a_missing_or_broken_config(
    invoke: Invoke, example_repo: Path, text: str | None, message: str
) -> None:
    if text is not None:
        (example_repo / "specrun.toml").write_text(text)
    result = invoke("trust", "--repo", example_repo)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not trust_store({"XDG_STATE_HOME": str(example_repo.parent / "user-state")}).exists()


def test_trust_records_path_and_digest_and_replaces_an_older_trust(tmp_path: Path) -> None:
    environ = {"XDG_STATE_HOME": str(tmp_path / "state")}
    path = tmp_path / "specrun.toml"
    record_trust(path, "a" * 64, environ)
    record_trust(path, "b" * 64, environ)
    assert is_trusted(path, "b" * 64, environ)
    assert not is_trusted(path, "a" * 64, environ)
    assert not is_trusted(tmp_path / "other.toml", "b" * 64, environ)
    [record] = json.loads(trust_store(environ).read_text())["trusted"]
    assert record["path"] == str(path.resolve())


def test_unreadable_trust_records_are_an_input_error(tmp_path: Path) -> None:
    environ = {"XDG_STATE_HOME": str(tmp_path)}
    trust_store(environ).parent.mkdir(parents=True)
    trust_store(environ).write_text('{"trusted": [{"path": 1}]}')
    with pytest.raises(InputError, match=r"cannot be read .*delete the file"):
        is_trusted(tmp_path / "specrun.toml", hashlib.sha256(b"").hexdigest(), environ)


def test_trust_records_that_are_not_a_file_are_refused_without_opening_them(
    tmp_path: Path,
) -> None:
    environ = {"XDG_STATE_HOME": str(tmp_path)}
    trust_store(environ).parent.mkdir(parents=True)
    os.mkfifo(trust_store(environ))
    with pytest.raises(InputError, match="is not a regular file; delete it"):
        is_trusted(tmp_path / "specrun.toml", "0" * 64, environ)
