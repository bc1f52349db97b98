"""One ``specrun run``, start to finish: context → provider → attempts → run record.

The context is assembled, the keys (the run's and the judge's) looked up and the runs directory
checked before any SDK is imported, so input errors cost nothing. The run record is written
before the first request and after every attempt, and finished however the run ends; its path
is reported either way. With a cassette the provider and the judge answer from the recording (no
key needed) or record live traffic into it. A replay asks what the cassette was recorded for
(provider kind, model, endpoint), whatever the config or ``SPECRUN_*`` say, unless
``--provider`` or ``--model`` chose otherwise (``Recording.chosen``). Progress is reported
through ``report`` as plain lines. A judge that fails for good (after its retries) is not fatal:
its items stay for review, and the line saying so names the fault.
"""

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specrun.context.assembly import Context, assemble_context, context_window_warning
from specrun.context.prompt_pack import PackRules, load_prompt_pack
from specrun.document.model import SpecCandidates
from specrun.errors import ProviderError
from specrun.gates.credentials import secret_values
from specrun.gates.limits import Limits
from specrun.gates.terminal import Report
from specrun.providers import (
    Provider,
    TransientProviderError,
    api_key_for,
    build_provider,
    cassettes,
)
from specrun.providers.cassettes import Recording
from specrun.rules import Findings
from specrun.rules.judge import (
    JudgedFindings,
    describe_judge,
    describe_judgement,
    judge_findings,
    judge_key,
)
from specrun.run.reask import Attempt, Judge, Outcome, run_attempts
from specrun.run.record import RunRecord, Status, prepare_runs_directory, runs_directory
from specrun.settings.config import (
    JudgeSettings,
    RetryPolicy,
    Settings,
)

Publish = Callable[[SpecCandidates, Context, Path], None]


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
    if attempt.needs_review:
        verdict += f"; {len(attempt.needs_review)} item(s) left for review"
    return f"attempt {attempt.number}: {model}, {attempt.seconds:.1f}s, {tokens}; {verdict}"


def describe_usage(outcome: Outcome) -> str:
    usage = outcome.usage
    judged = sum(attempt.judged is not None for attempt in outcome.attempts)
    calls = f" and {judged} judge call(s)" if judged else ""
    return (
        f"usage over {len(outcome.attempts)} attempt(s){calls}: {usage.input_tokens:,} input, "
        f"{usage.output_tokens:,} output, {usage.cache_read_tokens:,} cache read, "
        f"{usage.cache_write_tokens:,} cache write tokens"
    )


def judge_with(
    provider: Provider,
    settings: JudgeSettings,
    rules: PackRules,
    retries: RetryPolicy,
    report: Report,
    sleep: Callable[[float], None],
) -> Judge:
    """The judge as the re-ask loop calls it: faults that persist leave the items for review."""

    def retrying(error: TransientProviderError, wait: float) -> None:
        report(f"judge fault: {error}; retrying in {wait:.1f}s")

    def judge(document: SpecCandidates, findings: Findings) -> JudgedFindings:
        model = settings.profile.model
        try:
            return judge_findings(
                provider, model, document, findings, rules.rubrics, retries, retrying, sleep
            )
        except ProviderError as error:
            return JudgedFindings(findings, model, problem=str(error))

    return judge


def ending(error: BaseException) -> tuple[Status, str | None]:
    """The record's status for a run stopped by ``error``; only specrun's own provider messages
    are kept, since another exception's text could quote a server's echo of a key."""
    if isinstance(error, ProviderError):
        return "provider-failure", str(error)
    if isinstance(error, KeyboardInterrupt):
        return "interrupted", None
    return "failed", type(error).__name__


def execute_run(
    repo: Path,
    prompt: str,
    settings: Settings,
    environ: Mapping[str, str],
    report: Report,
    recording: Recording | None = None,
    http_client: Any = None,
    sleep: Callable[[float], None] | None = None,
    publish: Publish | None = None,
) -> RunResult:
    """Run the prompt. ``http_client`` (an ``httpx2.Client``) replaces the SDK's own.
    ``publish`` gets a valid result before the record is finished, so the output is written
    first."""
    limits = Limits.from_environ(environ)
    context = assemble_context(repo, load_prompt_pack(prompt, repo), limits)
    report(describe_context(context))
    replaying = recording is not None and not recording.record
    if recording is not None and replaying and not recording.chosen:
        settings = cassettes.as_recorded(settings, recording.path, report)
    if warning := context_window_warning(context, settings.profile.model):
        report(warning)
    api_key = cassettes.REPLAY_KEY if replaying else api_key_for(settings.profile, environ)
    judging = settings.judge
    judging_key = None
    if judging is not None:
        judging_key = cassettes.REPLAY_KEY if replaying else judge_key(judging, environ)
        report(describe_judge(judging))
    secrets = tuple(key for key in (api_key, judging_key) if key)
    runs = runs_directory(environ)
    prepare_runs_directory(runs)
    record = RunRecord(runs, context, settings)

    def keep(update: Callable[[], None]) -> None:
        """A record that cannot be written is reported, never a reason to stop a paid run."""
        try:
            update()
        except OSError as error:
            report(f"warning: could not write the run record {record.path} ({error})")

    def finish(status: Status, error: str | None = None) -> None:
        keep(lambda: record.finish(status, error))
        report(f"run record: {record.path}")

    @contextmanager
    def finished_on_error() -> Iterator[None]:
        """However the run stops, a record that was begun is finished with the reason."""
        try:
            yield
        except BaseException as error:
            if record.begun:
                finish(*ending(error))
            raise

    tape = (
        cassettes.cassette(
            recording.path, recording.record, secrets=(*secrets, *secret_values(environ))
        )
        if recording is not None
        else nullcontext()
    )
    profile = settings.profile
    with finished_on_error(), tape as recorded:
        model: Provider = build_provider(profile, api_key, http_client, settings.profile_name)
        judge: Judge | None = None
        if judging is not None and judging_key is not None:
            judge_model: Provider = build_provider(
                judging.profile, judging_key, http_client, judging.profile_name
            )
            if recording is not None and replaying:
                judge_model = cassettes.ReplayedProvider(
                    judge_model, recording.path, judging.profile
                )
            judge = judge_with(
                judge_model,
                judging,
                context.pack.rules,
                settings.retries,
                report,
                sleep or time.sleep,
            )
        if recording is not None and replaying:
            model = cassettes.ReplayedProvider(model, recording.path, profile)
            report(f"replaying {recording.path} ({settings.profile_name}: {profile.model})")

        def retrying(error: TransientProviderError, wait: float) -> None:
            report(f"provider fault: {error}; retrying in {wait:.1f}s")

        def attempted(attempt: Attempt) -> None:
            keep(lambda: record.add(attempt))
            report(describe_attempt(attempt, profile.model))
            if attempt.judged is not None:
                for line in describe_judgement(attempt.judged):
                    report(f"  {line}")
            if not attempt.valid and attempt.number < settings.max_attempts:
                for violation in attempt.violations:
                    report(f"  {violation}")
                report(f"re-asking {profile.model} with the violations")

        keep(record.begin)
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
            max_answer_bytes=limits.answer_bytes,
            judge=judge,
        )
    unplayed = 0
    if replaying and recorded is not None:
        unplayed = len(recorded) - recorded.play_count
        report(f"replayed {recorded.play_count} of {len(recorded)} recorded interactions")
    report(describe_usage(outcome))
    try:
        if outcome.document is not None and publish is not None:
            publish(outcome.document, context, record.path)
    finally:
        finish("valid" if outcome.document is not None else "invalid")
    return RunResult(context, outcome, record.path, unplayed)
