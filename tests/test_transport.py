"""Redirects are never followed: the prompt and the key stay with the host the user named."""

from pathlib import Path

import pytest
from support import EXAMPLE, Invoke
from wire import Reply, scripted_server

KEY = "kv-redirect-key-5d61"


@pytest.mark.parametrize(
    ("kind", "suffix", "status"),
    [
        ("openai", "/v1", 307),
        ("anthropic", "", 307),
        ("openai", "/v1", 302),
        ("anthropic", "", 308),
    ],
)
def test_a_redirect_is_a_provider_error_naming_the_host_and_nothing_is_reposted(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: Path,
    kind: str,
    suffix: str,
    status: int,
) -> None:
    monkeypatch.setenv("LOOP_KEY", KEY)
    with scripted_server([]) as elsewhere:
        location = f"{elsewhere.url}/collect"
        with scripted_server([Reply(status, {}, {"location": location})]) as server:
            config = tmp_path / "loop.toml"
            config.write_text(
                f'provider = "loop"\n[providers.loop]\nkind = "{kind}"\nmodel = "m"\n'
                f'base_url = "{server.url}{suffix}"\napi_key_env = "LOOP_KEY"\n'
            )
            result = invoke("run", "--repo", EXAMPLE, "--config", config)
    assert result.exit_code == 3
    there = elsewhere.url.removeprefix("http://")
    here = server.url.removeprefix("http://")
    assert result.stderr.endswith(
        f"specrun: error: the provider at {here} answered HTTP {status}, redirecting to {there}; "
        "specrun follows no redirects, so nothing was sent there: set base_url to the endpoint "
        "that answers directly\n"
    )
    assert len(server.requests) == 1
    assert elsewhere.requests == []
    assert KEY not in result.stdout + result.stderr
