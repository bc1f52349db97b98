"""Generate the shipped cassettes: real SDK traffic against a scripted loopback server.

No live API is reachable where these are made, so each cassette is generated: specrun's real run
path, with the same built-in profile a replay uses (the vendor SDK, with the provider's native
structured output), sends its requests to the provider's own URL; a transport reroutes them to
``tests/wire.py``'s scripted server, which answers in the provider's documented wire format with
documents built from ``tests/fixtures/``; a targeted re-ask is answered with only the candidates
it asks for, corrected (``wire.patch_answer``). Whatever the rules leave for review goes to the
judge, and the scripted server's judge decides every item it is asked about (holds, unless the
scenario says which items are broken), quoting the answer. vcrpy records the exchange, and the
loopback URLs are written back to the provider's own. ``check --judge`` scenarios record the
judge's call for a result file in the same way. Every cassette says it was generated.
Regenerate after changing the prompt, its rules, the example repository or the request's form:

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
    Scripted,
    anthropic_error,
    anthropic_json_answer,
    openai_json_answer,
    patch_answer,
    scripted_judge,
    scripted_server,
)

from specrun.context.numbering import gather_numbering_evidence  # noqa: E402
from specrun.context.prompt_pack import load_prompt_pack  # noqa: E402
from specrun.document.model import SpecCandidates  # noqa: E402
from specrun.providers.cassettes import Recording  # noqa: E402
from specrun.rules import validate_document  # noqa: E402
from specrun.run.review import judge_result  # noqa: E402
from specrun.run.runner import execute_run  # noqa: E402
from specrun.settings.config import BUILT_IN_PROFILES, Config, resolve_settings  # noqa: E402

EXAMPLE = ROOT / "examples" / "tenantatlas"
PROMPT = "tenantpilot.spec-candidates"
LABEL = {
    "by": "scripts/generate_cassettes.py",
    "note": "Generated, not recorded from a live API: specrun's real SDK calls against a "
    "scripted server answering in the provider's documented wire format.",
}
VOLATILE_HEADERS = ("date", "server", "host")
PLACEHOLDER_KEY = "generated-cassette-placeholder"
KEYS = {"ANTHROPIC_API_KEY": PLACEHOLDER_KEY, "OPENAI_API_KEY": PLACEHOLDER_KEY}


FIXTURES = ROOT / "tests" / "fixtures"
UNSURE_BOUNDARY = FIXTURES / "unsure-boundary-result.json"


def valid() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (FIXTURES / "valid-result.json").read_text(encoding="utf-8")
    )
    return document


def unsure_boundary() -> dict[str, Any]:
    """Sound, but D says it does not duplicate Spec 138 in words no term list holds."""
    document: dict[str, Any] = json.loads(UNSURE_BOUNDARY.read_text(encoding="utf-8"))
    return document


def replacing_spec_111() -> dict[str, Any]:
    """A real lapse: C claims to replace the workflow Spec 111 owns."""
    document = copy.deepcopy(valid())
    document["candidates"][2]["boundary_to_existing_specs"][0]["statement"] = (
        "Spec 111 leaves gaps in the findings workflow, so this candidate replaces its state "
        "model and transition rules with a new one."
    )
    return document


def breaking_sc302_and_sc201(document: dict[str, Any] | None = None) -> dict[str, Any]:
    document = copy.deepcopy(document or valid())
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


def holds(item: dict[str, str]) -> bool:
    return False


def candidate_c_boundary(item: dict[str, str]) -> bool:
    return item["rule"] == "SC401" and item["location"].startswith("Candidate C")


@dataclass(frozen=True)
class Scenario:
    """A ``run``: the answers the model gives in turn, and which items the judge finds broken."""

    name: str
    profile: str
    replies: Callable[[], list[Scripted]]
    official_url: str
    max_attempts: int = 3
    broken: Callable[[dict[str, str]], bool] = holds


@dataclass(frozen=True)
class CheckScenario:
    """A ``check --judge`` of a result file."""

    name: str
    profile: str
    result_file: Path
    official_url: str
    broken: Callable[[dict[str, str]], bool] = holds


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
            anthropic_json_answer(breaking_sc302_and_sc201(unsure_boundary()), cache_write=4338),
            patch_answer("anthropic", valid(), cache_read=4338),
        ],
        "https://api.anthropic.com",
    ),
    Scenario(
        "anthropic-judge-clears",
        "anthropic",
        lambda: [
            anthropic_json_answer(unsure_boundary(), cache_write=4338),
            anthropic_json_answer(valid(), cache_read=4338),
        ],
        "https://api.anthropic.com",
    ),
    Scenario(
        "anthropic-judge-confirms",
        "anthropic",
        lambda: [
            anthropic_json_answer(replacing_spec_111(), cache_write=4338),
            patch_answer("anthropic", valid(), cache_read=4338),
        ],
        "https://api.anthropic.com",
        broken=candidate_c_boundary,
    ),
    Scenario(
        "anthropic-exhausted",
        "anthropic",
        lambda: [
            anthropic_json_answer(breaking_sc302_and_sc201(), cache_write=4338),
            patch_answer("anthropic", breaking_sc302_and_sc201(), cache_read=4338),
            patch_answer("anthropic", breaking_sc302_and_sc201(), cache_read=4338),
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
            patch_answer("openai", valid()),
        ],
        "https://api.openai.com",
        broken=candidate_c_boundary,
    ),
    Scenario(
        "local-reask",
        "local",
        lambda: [
            openai_json_answer(
                None, content='{"candidates": [{"label": "Candidate A", ', finish_reason="length"
            ),
            openai_json_answer(breaking_sc302_and_sc201()),
            patch_answer("openai", valid()),
        ],
        "http://127.0.0.1:11434",
    ),
)


CHECK_SCENARIOS = (
    CheckScenario(
        "anthropic-judge-check", "anthropic", UNSURE_BOUNDARY, "https://api.anthropic.com"
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
    judge = scripted_judge(BUILT_IN_PROFILES[scenario.profile].kind, scenario.broken)
    with (
        scripted_server(scenario.replies(), judge) as server,
        tempfile.TemporaryDirectory() as runs,
    ):
        settings = resolve_settings(
            Config(max_attempts=scenario.max_attempts), "generator", {}, scenario.profile
        )
        environ = {**KEYS, "SPECRUN_RUNS_DIR": runs}
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


def generate_check(scenario: CheckScenario, target: Path) -> bool:
    """Record ``check --judge`` of the scenario's result file; False when the rules left
    nothing for review, so there was nothing to record."""
    pack = load_prompt_pack(PROMPT, EXAMPLE)
    data = json.loads(scenario.result_file.read_text(encoding="utf-8"))
    document, findings = validate_document(data, pack.rules, gather_numbering_evidence(EXAMPLE))
    if not isinstance(document, SpecCandidates) or not findings.needs_review:
        return False
    judge = scripted_judge(BUILT_IN_PROFILES[scenario.profile].kind, scenario.broken)
    with scripted_server([], judge) as server, tempfile.TemporaryDirectory() as runs:
        judge_result(
            document,
            findings,
            pack.rules,
            scenario.result_file,
            EXAMPLE,
            {**KEYS, "SPECRUN_PROVIDER": scenario.profile, "SPECRUN_RUNS_DIR": runs},
            report=lambda line: None,
            recording=Recording(target, record=True),
            http_client=httpx2.Client(transport=Rerouting(server.url)),
        )
        _label(target, server.url, scenario.official_url)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate the shipped cassettes.")
    parser.add_argument("--out", type=Path, default=ROOT / "cassettes")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for scenario in SCENARIOS:
        generate(scenario, out / f"{scenario.name}.yaml")
        print(f"generated {out / scenario.name}.yaml")
    for check in CHECK_SCENARIOS:
        target = out / f"{check.name}.yaml"
        if generate_check(check, target):
            print(f"generated {target}")
        else:
            target.unlink(missing_ok=True)
            print(
                f"skipped {target}: the rules leave nothing in {check.result_file.name} for review"
            )


if __name__ == "__main__":
    main()
