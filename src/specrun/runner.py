"""One ``specrun run``, start to finish: context → provider → attempts → run record.

The context is assembled and the key looked up before any SDK is imported, so input errors
cost nothing. With a cassette the provider answers from the recording (no key needed) or records
live traffic into it. Progress is reported through ``report`` as plain lines.
"""

import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specrun import recording as cassettes
from specrun.config import Settings
from specrun.context import Context, assemble_context
from specrun.credentials import secret_values
from specrun.prompt_pack import load_prompt_pack
from specrun.providers import Provider, TransientProviderError, api_key_for, build_provider
from specrun.reask import Attempt, Outcome, run_attempts
from specrun.run_record import build_record, runs_directory, write_run_record

Report = Callable[[str], None]


@dataclass(frozen=True)
class Recording:
    path: Path
    record: bool


@dataclass(frozen=True)
class RunResult:
    context: Context
    outcome: Outcome
    record_path: Path
    unplayed: int = 0


def describe_context(context: Context) -> str:
    return (
        f"context: {len(context.files)} binding files, {len(context.system_prompt):,} characters, "
        f"about {context.token_estimate:,} tokens; numbering {context.numbering.status}"
    )


def describe_attempt(attempt: Attempt, model: str) -> str:
    usage = attempt.answer.usage
    tokens = f"{usage.input_tokens:,} in / {usage.output_tokens:,} out"
    if attempt.document is None:
        first = attempt.violations[0]
        verdict = f"unusable: {first.location}: {first.message}"
    elif attempt.violations:
        codes = ", ".join(sorted({violation.code for violation in attempt.violations}))
        verdict = f"{len(attempt.violations)} violation(s): {codes}"
    else:
        verdict = "valid"
    return f"attempt {attempt.number}: {model}, {attempt.seconds:.1f}s, {tokens}; {verdict}"


def describe_usage(outcome: Outcome) -> str:
    usage = outcome.usage
    return (
        f"usage over {len(outcome.attempts)} attempt(s): {usage.input_tokens:,} input, "
        f"{usage.output_tokens:,} output, {usage.cache_read_tokens:,} cache read, "
        f"{usage.cache_write_tokens:,} cache write tokens"
    )


def execute_run(
    repo: Path,
    prompt: str,
    settings: Settings,
    environ: Mapping[str, str],
    report: Report,
    recording: Recording | None = None,
    http_client: Any = None,
    sleep: Callable[[float], None] | None = None,
) -> RunResult:
    """Run the prompt. ``http_client`` (an ``httpx2.Client``) replaces the SDK's own."""
    context = assemble_context(repo, load_prompt_pack(prompt, repo))
    report(describe_context(context))
    replaying = recording is not None and not recording.record
    api_key = cassettes.REPLAY_KEY if replaying else api_key_for(settings.profile, environ)
    tape = (
        cassettes.cassette(
            recording.path, recording.record, secrets=(api_key, *secret_values(environ))
        )
        if recording is not None
        else nullcontext()
    )
    profile = settings.profile
    with tape as recorded:
        model: Provider = build_provider(profile, api_key, http_client)
        if recording is not None and replaying:
            model = cassettes.ReplayedProvider(model, recording.path)
            report(f"replaying {recording.path} ({settings.profile_name}: {profile.model})")

        def retrying(error: TransientProviderError, wait: float) -> None:
            report(f"provider fault: {error}; retrying in {wait:.1f}s")

        def attempted(attempt: Attempt) -> None:
            report(describe_attempt(attempt, profile.model))
            if not attempt.valid and attempt.number < settings.max_attempts:
                for violation in attempt.violations:
                    report(f"  {violation}")
                report(f"re-asking {profile.model} with the violations")

        outcome = run_attempts(
            model,
            context.system_prompt,
            context.pack.rules,
            context.numbering,
            settings.max_attempts,
            settings.retries,
            on_attempt=attempted,
            on_retry=retrying,
            sleep=sleep or time.sleep,
        )
    unplayed = 0
    if replaying and recorded is not None:
        unplayed = len(recorded) - recorded.play_count
        report(f"replayed {recorded.play_count} of {len(recorded)} recorded interactions")
    report(describe_usage(outcome))
    record = build_record(context, settings, outcome)
    record_path = write_run_record(runs_directory(environ), record)
    return RunResult(context, outcome, record_path, unplayed)
