"""Hosts shown in ASCII form, look-alikes of the vendors' hosts warned about, and a vendor's
default key never sent to one."""

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from support import EXAMPLE, Invoke
from wire import anthropic_json_answer, openai_json_answer

from specrun.run.runner import execute_run
from specrun.settings.config import ProviderProfile, RetryPolicy, Settings, describe_settings
from specrun.settings.hosts import lookalike, origin

CYRILLIC_A = "\u0430"
LOOKALIKE = f"https://{CYRILLIC_A}pi.anthropic.com"
VENDOR_KEY = "kv-vendor-default-key-7e7e"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (LOOKALIKE, "the host xn--pi-6kc.anthropic.com mixes scripts"),
        ("https://xn--pi-6kc.anthropic.com", "mixes scripts"),
        ("https://api.\u03bfpenai.com", "the host api.xn--penai-qce.com mixes scripts"),
        ("https://\u0430\u0440\u0456.openai.com", "looks like the vendor host api.openai.com"),
        ("https://api.openai.co", "looks like the vendor host api.openai.com"),
        ("https://api.anthroplc.com", "looks like the vendor host api.anthropic.com"),
        ("https://api.anthropic.com.example.net", "begins with the vendor host"),
        ("https://APl.0PENAI.COM", "looks like the vendor host api.openai.com"),
    ],
)
def test_a_host_like_a_vendors_is_named_in_ascii_with_the_reason(url: str, reason: str) -> None:
    found = lookalike(url)
    assert found is not None
    assert reason in found
    assert origin(url).isascii()


@pytest.mark.parametrize(
    "url",
    [
        "https://api.anthropic.com",
        "https://api.openai.com/v1",
        "http://127.0.0.1:11434/v1",
        "http://localhost:8000",
        "https://llm.lab.example",
        "https://openrouter.ai/api/v1",
        "https://bücher.example",
    ],
)
def test_ordinary_hosts_draw_no_warning(url: str) -> None:
    assert lookalike(url) is None


def test_hosts_are_shown_in_punycode() -> None:
    assert origin(LOOKALIKE + "/v1") == "https://xn--pi-6kc.anthropic.com"
    assert origin("https://bücher.example:8443/x") == "https://xn--bcher-kva.example:8443"


def test_the_first_line_warns_of_a_lookalike_host() -> None:
    profile = ProviderProfile(kind="anthropic", model="m", base_url=LOOKALIKE)
    line = describe_settings(Settings("mine", profile, 1, RetryPolicy(), "test"))
    assert "at https://xn--pi-6kc.anthropic.com;" in line
    assert "warning: the host xn--pi-6kc.anthropic.com mixes scripts" in line
    assert CYRILLIC_A not in line


@pytest.mark.parametrize(
    ("kind", "url", "answer"),
    [
        ("anthropic", LOOKALIKE, anthropic_json_answer),
        ("anthropic", "https://api.anthropic.com.example.net", anthropic_json_answer),
        ("openai", f"https://api.openai.com.{CYRILLIC_A}.example/v1", openai_json_answer),
        ("openai", "http://api.openai.com/v1", openai_json_answer),
    ],
)
def test_a_vendor_default_key_is_never_sent_to_a_lookalike_host(
    kind: str, url: str, answer: Any, valid_document: dict[str, Any]
) -> None:
    seen: list[httpx2.Request] = []

    def server(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=answer(valid_document).body)

    profile = ProviderProfile.model_validate({"kind": kind, "model": "m", "base_url": url})
    settings = Settings("mine", profile, 1, RetryPolicy(), "test")
    result = execute_run(
        EXAMPLE,
        "tenantpilot.spec-candidates",
        settings,
        {"ANTHROPIC_API_KEY": VENDOR_KEY, "OPENAI_API_KEY": VENDOR_KEY},
        report=lambda line: None,
        http_client=httpx2.Client(transport=httpx2.MockTransport(server)),
    )
    assert result.outcome.document is not None
    assert len(seen) == 1
    assert all(VENDOR_KEY not in value for value in seen[0].headers.values())


def test_trust_shows_a_lookalike_host_in_punycode_with_a_warning(
    invoke: Invoke, example_repo: Path
) -> None:
    config = example_repo / "specrun.toml"
    config.write_text(
        f'[providers.anthropic]\nkind = "anthropic"\nmodel = "m"\nbase_url = "{LOOKALIKE}"\n'
    )
    result = invoke("trust", "--repo", example_repo)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{config}: profile anthropic (anthropic) sends requests to "
        "https://xn--pi-6kc.anthropic.com with no key"
    )
    assert "warning: the host xn--pi-6kc.anthropic.com mixes scripts" in lines[1]
    assert CYRILLIC_A not in result.stdout
    assert json.dumps(result.stdout).isascii()
