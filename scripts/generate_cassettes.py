"""Generate the shipped cassettes: real SDK traffic against a scripted loopback server.

No live API is reachable where these are made, so each cassette is generated: specrun's real run
path, with the same built-in profile a replay uses (the vendor SDK, with the provider's native
structured output), sends its requests to the provider's own URL; a transport reroutes them to
``tests/wire.py``'s scripted server, which answers in the provider's documented wire format with
documents built from ``tests/fixtures/``. vcrpy records the exchange, and the loopback URLs are
written back to the provider's own. Every cassette says it was generated. Regenerate after
changing the prompt, its rules, the example repository or the request's form:

    .venv/bin/python scripts/generate_cassettes.py [--out DIR]
"""

import argparse
import copy
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from wire import (  # noqa: E402
    Reply,
    anthropic_error,
    anthropic_json_answer,
    openai_json_answer,
    scripted_server,
)

from specrun.config import BUILT_IN_PROFILES, RetryPolicy, Settings  # noqa: E402
from specrun.runner import Recording, execute_run  # noqa: E402

EXAMPLE = ROOT / "examples" / "tenantatlas"
PROMPT = "tenantpilot.spec-candidates"
LABEL = {
    "by": "scripts/generate_cassettes.py",
    "note": "Generated, not recorded from a live API: specrun's real SDK calls against a "
    "scripted server answering in the provider's documented wire format.",
}
VOLATILE_HEADERS = ("date", "server", "host")
PLACEHOLDER_KEY = "generated-cassette-placeholder"


def valid() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (ROOT / "tests" / "fixtures" / "valid-result.json").read_text(encoding="utf-8")
    )
    return document


def breaking_sc302_and_sc201() -> dict[str, Any]:
    document = copy.deepcopy(valid())
    document["candidates"][0]["explicit_statements"]["livewire_public_state_untrusted"] = None
    document["candidates"][1]["spec_number"] = 139
    return document


def breaking_sc303_and_sc401() -> dict[str, Any]:
    document = copy.deepcopy(valid())
    findings = document["candidates"][2]
    findings["explicit_statements"]["negative_path_regression_tests_required"] = (
        "Regression tests for invalid transitions will be added later."
    )
    findings["boundary_to_existing_specs"][0]["statement"] = (
        "Enforces the workflow states on the server."
    )
    return document


@dataclass(frozen=True)
class Scenario:
    name: str
    profile: str
    replies: Callable[[], list[Reply]]
    official_url: str
    max_attempts: int = 3


SCENARIOS = (
    Scenario(
        "anthropic-single",
        "anthropic",
        lambda: [anthropic_json_answer(valid(), cache_write=4338)],
        "https://api.anthropic.com",
    ),
    Scenario(
        "anthropic-reask",
        "anthropic",
        lambda: [
            anthropic_json_answer(breaking_sc302_and_sc201(), cache_write=4338),
            anthropic_json_answer(valid(), cache_read=4338),
        ],
        "https://api.anthropic.com",
    ),
    Scenario(
        "anthropic-exhausted",
        "anthropic",
        lambda: [
            anthropic_json_answer(breaking_sc302_and_sc201(), cache_write=4338),
            anthropic_json_answer(breaking_sc302_and_sc201(), cache_read=4338),
            anthropic_json_answer(breaking_sc302_and_sc201(), cache_read=4338),
        ],
        "https://api.anthropic.com",
    ),
    Scenario(
        "anthropic-faults",
        "anthropic",
        lambda: [
            anthropic_error(429, "rate_limit_error", {"retry-after": "2"}),
            anthropic_error(500, "api_error"),
            anthropic_error(529, "overloaded_error"),
            anthropic_json_answer(valid(), cache_write=4338),
        ],
        "https://api.anthropic.com",
    ),
    Scenario(
        "openai-reask",
        "openai",
        lambda: [
            openai_json_answer(breaking_sc303_and_sc401()),
            openai_json_answer(valid()),
        ],
        "https://api.openai.com",
    ),
    Scenario(
        "local-reask",
        "local",
        lambda: [
            openai_json_answer(
                None, content='{"candidates": [{"label": "Candidate A", ', finish_reason="length"
            ),
            openai_json_answer(valid()),
        ],
        "http://127.0.0.1:11434",
    ),
)


class Rerouting(httpx2.HTTPTransport):
    """Sends every request to the scripted server, whatever host it was addressed to."""

    def __init__(self, server_url: str) -> None:
        super().__init__()
        self.target = httpx2.URL(server_url)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.url = request.url.copy_with(
            scheme=self.target.scheme, host=self.target.host, port=self.target.port
        )
        return super().handle_request(request)


def _label(path: Path, server_url: str, official_url: str) -> None:
    """Mark the cassette generated, restore the provider's URL, drop per-run headers."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for interaction in data["interactions"]:
        request = interaction["request"]
        request["uri"] = request["uri"].replace(server_url, official_url)
        for headers in (request["headers"], interaction["response"]["headers"]):
            for name in [name for name in headers if name.lower() in VOLATILE_HEADERS]:
                del headers[name]
    text = yaml.safe_dump({"generated": LABEL, **data}, sort_keys=False, allow_unicode=True)
    path.write_text(f"# {LABEL['note']}\n# Regenerate: python {LABEL['by']}\n{text}")


def generate(scenario: Scenario, target: Path) -> None:
    with scripted_server(scenario.replies()) as server, tempfile.TemporaryDirectory() as runs:
        profile = BUILT_IN_PROFILES[scenario.profile]
        settings = Settings(
            scenario.profile, profile, scenario.max_attempts, RetryPolicy(), "generator"
        )
        environ = {
            "ANTHROPIC_API_KEY": PLACEHOLDER_KEY,
            "OPENAI_API_KEY": PLACEHOLDER_KEY,
            "SPECRUN_RUNS_DIR": runs,
        }
        execute_run(
            EXAMPLE,
            PROMPT,
            settings,
            environ,
            report=lambda line: None,
            recording=Recording(target, record=True),
            http_client=httpx2.Client(transport=Rerouting(server.url)),
            sleep=lambda seconds: None,
        )
        _label(target, server.url, scenario.official_url)


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate the shipped cassettes.")
    parser.add_argument("--out", type=Path, default=ROOT / "cassettes")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for scenario in SCENARIOS:
        generate(scenario, out / f"{scenario.name}.yaml")
        print(f"generated {out / scenario.name}.yaml")


if __name__ == "__main__":
    main()
