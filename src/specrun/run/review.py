"""``specrun check --judge``: the configured judge decides a result file's items left for review.

The judge comes from the same configuration ``run`` reads (``specrun.toml`` in the repository,
else in the current directory, else the built-in defaults, and ``SPECRUN_PROVIDER``), and its
key from the environment, looked up before any request; a cassette replays a recorded judgement
with no key, with the judge it was recorded for whatever the configuration says, as ``run``
replays. The user asked for a judgement, so a judge that cannot give one is an error, not a
silent pass: a provider failure exits 3, and an answer that cannot be read is an input error
(exit 2) that names the problem. Verdicts whose quote is not in the answer are discarded and
reported, and their items stay for review. The call is a paid one: it is priced (and kept
within ``max_cost`` when one is set, as a run's calls are), and it leaves a judgement record in
the runs directory, however it ends, with its usage and cost, and its path is reported.
"""

from collections.abc import Mapping
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from specrun.context.prompt_pack import PackRules
from specrun.document.model import SpecCandidates
from specrun.errors import InputError
from specrun.gates.credentials import secret_values
from specrun.gates.limits import Limits
from specrun.gates.terminal import Report
from specrun.providers import Provider, TransientProviderError, build_provider, cassettes
from specrun.providers.cassettes import Recording
from specrun.providers.prices import Pricing
from specrun.rules import Findings
from specrun.rules.judge import describe_judge, describe_judgement, judge_findings, judge_key
from specrun.run.cost import Budgeted, check_budget
from specrun.run.record import JudgementRecord, ending, prepare_runs_directory, runs_directory
from specrun.settings.config import find_config, resolve_settings


def judge_result(
    document: SpecCandidates,
    findings: Findings,
    rules: PackRules,
    checked: Path,
    repo: Path,
    environ: Mapping[str, str],
    report: Report,
    recording: Recording | None = None,
    http_client: Any = None,
) -> Findings:
    """The findings once the configured judge has decided the items left for review of the
    result file ``checked``; the call is kept in a judgement record, whose path is reported."""
    loaded, source = find_config(None, repo, Path.cwd())
    settings = resolve_settings(loaded, source, environ)
    judging = settings.judge
    if judging is None:
        raise InputError(
            f"--judge needs a judge, but {source} turns it off (judge = false); "
            "remove that line or drop --judge"
        )
    limits = Limits.from_environ(environ)
    replaying = recording is not None and not recording.record
    key = cassettes.REPLAY_KEY if replaying else judge_key(judging, environ)
    if not findings.needs_review:
        report("judge: nothing is left for review")
        return findings
    if recording is not None and replaying:
        judging = cassettes.judge_as_recorded(judging, recording.path, report, limits)
    report(describe_judge(judging))
    pricing = Pricing(settings.prices)
    spending = check_budget(settings, pricing, [judging.profile])
    runs = runs_directory(environ)
    prepare_runs_directory(runs)
    record = JudgementRecord(runs, checked, repo, judging, pricing, recording)
    tape = (
        cassettes.cassette(recording.path, recording.record, (key, *secret_values(environ)), limits)
        if recording is not None
        else nullcontext()
    )
    record.begin()
    try:
        with tape:
            judge: Provider = build_provider(
                judging.profile, key, http_client, judging.profile_name, limits
            )
            if recording is not None and replaying:
                judge = cassettes.ReplayedProvider(judge, recording.path, judging.profile, limits)
                report(
                    f"replaying {recording.path} ({judging.profile_name}: {judging.profile.model})"
                )
            if spending is not None:
                judge = Budgeted(judge, judging.profile, pricing, spending)

            def retrying(error: TransientProviderError, wait: float) -> None:
                report(f"judge fault: {error}; retrying in {wait:.1f}s")

            judged = judge_findings(
                judge,
                judging.profile.model,
                document,
                findings,
                rules.rubrics,
                loaded.retries,
                retrying,
                max_answer_bytes=limits.answer_bytes,
            )
    except BaseException as error:
        record.finish(*ending(error))
        report(f"judge record: {record.path}")
        raise
    if judged.problem is not None:
        record.finish("failed", judged.problem, judged)
        report(f"judge record: {record.path}")
        raise InputError(
            f"the judge's answer could not be used ({judged.problem}); "
            f"{len(findings.needs_review)} item(s) stay unreviewed: run specrun check again"
        )
    record.finish("invalid" if judged.findings.violations else "valid", judged=judged)
    for line in describe_judgement(judged):
        report(line)
    report(f"judge cost: {record.cost()}")
    report(f"judge record: {record.path}")
    return judged.findings
