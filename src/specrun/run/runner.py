"""One ``specrun run``, start to finish: context → provider → attempts → run record.

The context is assembled, the keys (the run's and the judge's) looked up and the runs directory
checked before any SDK is imported, so input errors cost nothing. The run record is written
before the first request and after every attempt, and finished however the run ends; its path
is reported either way. With a cassette the provider and the judge answer from the recording (no
key needed) or record live traffic into it. A replay asks what the cassette was recorded for
(provider kind, model, endpoint), whatever the config or ``SPECRUN_*`` say, unless
``--provider`` or ``--model`` chose otherwise (``Recording.chosen``). Progress is reported
through ``report`` as plain lines. A judge that fails for good (after its retries) is not fatal:
its items stay for review, and the line saying so names the fault. Every attempt line and the
usage line say what the calls cost (``specrun.run.cost``); with ``max_cost`` every request, the
judge's included, passes the budget first.
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
from specrun.gates.limits import DEFAULT_LIMITS, Limits
from specrun.gates.progress import Waiting
from specrun.gates.terminal import Report
from specrun.providers import (
    Answer,
    Provider,
    Request,
    TransientProviderError,
    api_key_for,
    build_provider,
    cassettes,
)
from specrun.providers.cassettes import Recording
from specrun.providers.prices import Pricing
from specrun.rules import Findings
from specrun.rules.judge import (
    JudgedFindings,
    describe_judge,
    describe_judgement,
    judge_findings,
    judge_key,
)
from specrun.run.cost import Budgeted, BudgetExceeded, check_budget, runs_cost
from specrun.run.reask import Attempt, Judge, Outcome, run_attempts
from specrun.run.record import (
    RunRecord,
    Status,
    ending,
    prepare_runs_directory,
    runs_directory,
)
from specrun.settings.config import (
    JudgeSettings,
    RetryPolicy,
    Settings,
)
from specrun.settings.money import Cost

Publish = Callable[[SpecCandidates, Context, Path], None]


@dataclass(frozen=True)
class RunResult:
    """``kept`` says where the answers are: in the run record, its fallback, or on stderr."""

    context: Context
    outcome: Outcome
    record_path: Path
    unplayed: int = 0
    kept: str = "in the run record"


def describe_context(context: Context) -> str:
    return (
        f"context: {len(context.files)} binding files, {len(context.system_prompt):,} characters, "
        f"about {context.token_estimate:,} tokens; numbering {context.numbering.status}"
    )


def describe_attempt(
    attempt: Attempt, model: str, cost: Cost | None = None, judge_cost: Cost | None = None
) -> str:
    usage = attempt.answer.usage
    tokens = f"{usage.input_tokens:,} in / {usage.output_tokens:,} out"
    if cost is not None:
        tokens += f", {cost}" + ("" if judge_cost is None else f" (judge {judge_cost})")
    if attempt.document is None:
        first = attempt.violations[0]
        verdict = f"unusable: {first.location}: {first.message}"
    elif attempt.violations:
        codes = ", ".join(sorted({violation.code for violation in attempt.violations}))
        verdict = f"{len(attempt.violations)} violation(s): {codes}"
    else:
        verdict = "valid"
    if attempt.patch is not None:
        merged = "merged" if attempt.patch.merged is not None else "not merged"
        verdict = f"patch of {attempt.patch.ask.describe()} {merged}; {verdict}"
    if attempt.needs_review:
        verdict += f"; {len(attempt.needs_review)} item(s) left for review"
    return f"attempt {attempt.number}: {model}, {attempt.seconds:.1f}s, {tokens}; {verdict}"


def describe_usage(outcome: Outcome, cost: Cost | None = None) -> str:
    usage = outcome.usage
    judged = sum(attempt.judged is not None for attempt in outcome.attempts)
    calls = f" and {judged} judge call(s)" if judged else ""
    return (
        f"usage over {len(outcome.attempts)} attempt(s){calls}: {usage.input_tokens:,} input, "
        f"{usage.output_tokens:,} output, {usage.cache_read_tokens:,} cache read, "
        f"{usage.cache_write_tokens:,} cache write tokens"
        + ("" if cost is None else f"; cost {cost}")
    )


def judge_with(
    provider: Provider,
    settings: JudgeSettings,
    rules: PackRules,
    retries: RetryPolicy,
    report: Report,
    sleep: Callable[[float], None],
    max_answer_bytes: int = DEFAULT_LIMITS.answer_bytes,
) -> Judge:
    """The judge as the re-ask loop calls it: a failure of any kind (a fault that persists, or
    specrun's own defect) leaves the items for review, and the run goes on. Only an interrupt,
    or a request the budget does not allow, stops it."""

    def retrying(error: TransientProviderError, wait: float) -> None:
        report(f"judge fault: {error}; retrying in {wait:.1f}s")

    def judge(document: SpecCandidates, findings: Findings) -> JudgedFindings:
        model = settings.profile.model
        try:
            return judge_findings(
                provider,
                model,
                document,
                findings,
                rules.rubrics,
                retries,
                retrying,
                sleep,
                max_answer_bytes,
            )
        except ProviderError as error:
            return JudgedFindings(findings, model, problem=str(error))
        except BudgetExceeded:
            raise
        except Exception as error:  # the answer is paid for; the judge is only advice
            return JudgedFindings(findings, model, problem=f"it failed ({type(error).__name__})")

    return judge


class Awaited:
    """A provider whose every call is shown while it runs (``waiting``), labelled when it
    starts, so the label can name the attempt it belongs to."""

    def __init__(self, provider: Provider, waiting: Waiting, label: Callable[[], str]) -> None:
        self.provider, self.waiting, self.label = provider, waiting, label

    def complete(self, request: Request) -> Answer:
        with self.waiting(self.label()):
            return self.provider.complete(request)


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
    waiting: Waiting | None = None,
) -> RunResult:
    """Run the prompt. ``http_client`` (an ``httpx2.Client``) replaces the SDK's own.
    ``publish`` gets a valid result before the record is finished, so the output is written
    first. ``waiting`` shows what is awaited while a model writes."""
    limits = Limits.from_environ(environ)
    context = assemble_context(repo, load_prompt_pack(prompt, repo), limits)
    report(describe_context(context))
    replaying = recording is not None and not recording.record
    if recording is not None and replaying and not recording.chosen:
        settings = cassettes.as_recorded(settings, recording.path, report, limits)
    if warning := context_window_warning(context, settings.profile.model):
        report(warning)
    api_key = cassettes.REPLAY_KEY if replaying else api_key_for(settings.profile, environ)
    judging = settings.judge
    judging_key = None
    if judging is not None:
        judging_key = cassettes.REPLAY_KEY if replaying else judge_key(judging, environ)
        report(describe_judge(judging))
    secrets = tuple(key for key in (api_key, judging_key) if key)
    pricing = Pricing(settings.prices)
    spending = check_budget(settings, pricing)
    runs = runs_directory(environ)
    prepare_runs_directory(runs)
    record = RunRecord(runs, context, settings, repo.resolve(), recording)

    def keep(update: Callable[[], None]) -> None:
        """A record that cannot be written is reported, never a reason to stop a paid run: it
        is kept in the temporary directory, else its answers are printed on stderr."""
        fallback = record.fallback
        try:
            update()
        except OSError as error:
            copy = f", nor a copy in {record.fallback}" if record.fallback else ""
            report(
                f"warning: could not write the run record {record.path}{copy} "
                f"({error.strerror}); each answer not kept follows as one JSON line"
            )
            for line in record.unkept_answers():
                report(line)
            return
        if record.fallback is not None and fallback is None:
            report(
                f"warning: could not write the run record {record.path}; "
                f"it is kept in {record.fallback} instead"
            )

    def finish(status: Status, error: str | None = None) -> None:
        keep(lambda: record.finish(status, error))
        report(f"run record: {record.describe()}")

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
            recording.path, recording.record, (*secrets, *secret_values(environ)), limits
        )
        if recording is not None
        else nullcontext()
    )
    profile = settings.profile
    judge_waits_for = f"judge: waiting for {judging.profile.model}" if judging else ""
    with finished_on_error(), tape as recorded:
        model: Provider = build_provider(
            profile, api_key, http_client, settings.profile_name, limits
        )
        judge: Judge | None = None
        if judging is not None and judging_key is not None:
            judge_model: Provider = build_provider(
                judging.profile, judging_key, http_client, judging.profile_name, limits
            )
            if recording is not None and replaying:
                judge_model = cassettes.ReplayedProvider(
                    judge_model, recording.path, judging.profile, limits
                )
            if waiting is not None:
                judge_model = Awaited(judge_model, waiting, lambda: judge_waits_for)
            if spending is not None:
                judge_model = Budgeted(judge_model, judging.profile, pricing, spending)
            judge = judge_with(
                judge_model,
                judging,
                context.pack.rules,
                settings.retries,
                report,
                sleep or time.sleep,
                limits.answer_bytes,
            )
        if recording is not None and replaying:
            model = cassettes.ReplayedProvider(model, recording.path, profile, limits)
            report(f"replaying {recording.path} ({settings.profile_name}: {profile.model})")
        if waiting is not None:
            model = Awaited(
                model,
                waiting,
                lambda: f"attempt {len(record.attempts) + 1}: waiting for {profile.model}",
            )
        if spending is not None:
            model = Budgeted(model, profile, pricing, spending)

        def retrying(error: TransientProviderError, wait: float) -> None:
            report(f"provider fault: {error}; retrying in {wait:.1f}s")

        def attempted(attempt: Attempt) -> None:
            keep(lambda: record.add(attempt))
            cost = pricing.cost(profile, attempt.answer.usage)
            judge_cost = None
            if attempt.judged is not None and judging is not None:
                judge_cost = pricing.cost(judging.profile, attempt.judged.usage)
            report(describe_attempt(attempt, profile.model, cost, judge_cost))
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
            reask=settings.reask,
        )
    unplayed = 0
    if replaying and recorded is not None:
        unplayed = len(recorded) - recorded.play_count
        report(f"replayed {recorded.play_count} of {len(recorded)} recorded interactions")
    report(describe_usage(outcome, runs_cost(outcome.attempts, settings, pricing)))
    try:
        if outcome.document is not None and publish is not None:
            publish(outcome.document, context, record.path)
    finally:
        finish("valid" if outcome.document is not None else "invalid")
    return RunResult(context, outcome, record.path, unplayed, record.kept())
