"""The ``specrun`` command line: thin typer commands over the library.

Results go to stdout, progress and diagnostics to stderr, and everything printed passes
``show`` (keys blanked, control and bidi characters shown as escapes: ``gates.terminal``), the
one place that writes to either. Library errors are mapped to exit codes once, in
``reports_errors``; SIGTERM is handled as Ctrl-C. Commands import what they need
when they run, so ``--help`` and the offline commands never load a provider SDK.
"""

import functools
import json
import signal
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from typer.core import TyperGroup

from specrun.agents.skill import Agent
from specrun.errors import SpecrunError
from specrun.gates.terminal import json_escaped, shown

if TYPE_CHECKING:
    from specrun.document.model import Provenance, SpecCandidates

DEFAULT_PROMPT = "tenantpilot.spec-candidates"
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70


class GlobalFlagsAnywhere(TyperGroup):
    """``--debug`` is read wherever it stands, before or after the command's name, since users
    add it to the end of the line that just failed."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # click's or typer's Context
        end = args.index("--") if "--" in args else len(args)
        if "--debug" in args[:end]:
            args = ["--debug", *(arg for arg in args[:end] if arg != "--debug"), *args[end:]]
        return super().parse_args(ctx, args)


app = typer.Typer(
    name="specrun",
    cls=GlobalFlagsAnywhere,
    help="Run a repository's spec-candidates prompt against an LLM and validate the result.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
)

P = ParamSpec("P")
R = TypeVar("R")


class Format(StrEnum):
    md = "md"
    json = "json"


FORMAT_NAMES = {"md": Format.md, "markdown": Format.md, "json": Format.json}
SUFFIX_FORMATS = {".md": Format.md, ".markdown": Format.md, ".json": Format.json}


def parse_format(value: str) -> Format:
    """``--format``: md (also markdown) or json, said in specrun's words when it is neither."""
    try:
        return FORMAT_NAMES[value.lower()]
    except KeyError:
        raise typer.BadParameter(
            f"{value!r} is not a format specrun writes; use md (or markdown) or json"
        ) from None


def output_format_for(out: Path | None, chosen: Format | None) -> Format:
    """The format of ``run``'s result: ``--format``, else the suffix of ``--out``, else
    Markdown. A ``--format`` that contradicts the suffix is refused, not silently obeyed."""
    implied = SUFFIX_FORMATS.get(out.suffix.lower()) if out is not None else None
    if chosen is not None and implied is not None and chosen is not implied:
        from specrun.errors import InputError

        raise InputError(
            f"--format {chosen} contradicts --out {out}, which names a {implied} file; "
            "drop --format or change the suffix"
        )
    return chosen or implied or Format.md


def rendered_as(
    output_format: Format, document: "SpecCandidates", provenance: "Provenance | None"
) -> str:
    """The result document in ``output_format``, with what it was made from."""
    from specrun.document.render import render_json, render_markdown

    if output_format is Format.json:
        return render_json(document, provenance)
    return render_markdown(document, provenance)


class GlobalFlags:
    """Flags given before the command, read by every command."""

    debug = False


RepoOption = Annotated[
    Path, typer.Option("--repo", help="Target repository (default: the current directory).")
]
PromptOption = Annotated[
    str,
    typer.Option(
        "--prompt",
        help="A prompt file, or a name in the repository's .codex/prompts/ or the bundled prompts.",
    ),
]


def show(text: str, *, err: bool = False, nl: bool = True, one_line: bool = False) -> None:
    """The only way specrun prints: answers, evidence, repository files, config values and
    server messages may hold a key or control characters, so every key is blanked and every
    control or bidi character shown as its escape (``gates.terminal.shown``)."""
    typer.echo(shown(text, one_line=one_line), err=err, nl=nl)


def progress(line: str) -> None:
    """One progress or diagnostic line on stderr: a line break in it is shown, not obeyed."""
    show(line, err=True, one_line=True)


def awaiting(what: str) -> AbstractContextManager[None]:
    """The line shown on stderr while a model writes: live on a terminal, one line in a log;
    ``what`` passes the same sanitiser as every printed line."""
    import os
    import sys

    from specrun.gates.progress import is_live, waiting

    return waiting(shown(what, one_line=True), sys.stderr, is_live(sys.stderr, os.environ))


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn specrun's errors, Ctrl-C and its own defects into one scrubbed line on stderr and
    an exit code (a defect: 70, with the traceback under ``--debug``)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SpecrunError as error:
            if GlobalFlags.debug:
                show(traceback.format_exc(), err=True, nl=False)
            progress(f"specrun: error: {error}")
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            progress("specrun: interrupted; no result was written")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as error:
            if GlobalFlags.debug:
                show(traceback.format_exc(), err=True, nl=False)
            summary = " ".join(f"{type(error).__name__}: {error}".split())[:300]
            progress(f"specrun: internal error ({summary}); rerun with --debug for the traceback")
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper


def show_version(value: bool) -> None:
    if value:
        from specrun import __version__

        show(f"specrun {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="Print the version.", callback=show_version, is_eager=True
        ),
    ] = False,
) -> None:
    """specrun: run a repository's spec-candidates prompt and get back four validated candidates."""
    GlobalFlags.debug = debug


@app.command()
@reports_errors
def run(
    repo: RepoOption = Path(),
    prompt: PromptOption = DEFAULT_PROMPT,
    provider: Annotated[
        str | None,
        typer.Option("--provider", help="A profile name, or NAME/MODEL such as openai/gpt-5.5."),
    ] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model id for the profile.")] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Config file (default: specrun.toml).")
    ] = None,
    max_attempts: Annotated[
        int | None, typer.Option("--max-attempts", help="Model answers to try (default 3).")
    ] = None,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", help="USD the run may spend at most (stops before a request)."),
    ] = None,
    price_file: Annotated[
        Path | None,
        typer.Option("--price-file", help='TOML with [prices."MODEL"] tables, USD per M tokens.'),
    ] = None,
    chosen_format: Annotated[
        Format | None,
        typer.Option(
            "--format",
            parser=parse_format,
            help="md or json (default: from the --out suffix, else md).",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the result to FILE.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out.")] = False,
    cassette: Annotated[
        Path | None,
        typer.Option("--cassette", help="Replay this recording instead of a live call."),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="With --cassette: record live traffic into it.")
    ] = False,
    reask: Annotated[
        str | None,
        typer.Option(
            "--reask",
            help="targeted (default): re-ask only the parts that broke a rule; full: the whole "
            "document.",
        ),
    ] = None,
) -> None:
    """Run the prompt against the configured model and print the validated result.

    Exit 0 with a valid result, 1 when violations remain after the last attempt.

    Example: specrun run --repo examples/tenantatlas --cassette cassettes/anthropic-reask.yaml
    """
    import os

    from specrun.context.assembly import Context, resolve_repository
    from specrun.document.model import SpecCandidates
    from specrun.errors import InputError
    from specrun.gates.output import check_destination
    from specrun.providers.cassettes import Recording
    from specrun.run.runner import execute_run
    from specrun.settings.config import (
        describe_settings,
        find_config,
        ignored_variables,
        resolve_settings,
    )

    if record and cassette is None:
        raise InputError("--record needs --cassette FILE to record into")
    output_format = output_format_for(out, chosen_format)
    if out is not None:
        check_destination(out, force)
    root = resolve_repository(repo)
    loaded, source = find_config(config, root, Path.cwd())
    settings = resolve_settings(
        loaded, source, os.environ, provider, model, max_attempts, max_cost, price_file, reask
    )
    chosen = provider is not None or model is not None
    recording = Recording(cassette, record, chosen) if cassette is not None else None
    progress(describe_settings(settings))
    for notice in ignored_variables(os.environ):
        progress(f"note: {notice}")

    def publish(document: SpecCandidates, context: Context, record_path: Path) -> None:
        rendered = rendered_as(output_format, document, context.provenance())
        if out is None:
            show(rendered, nl=False)
        else:
            deliver(
                shown(rendered), out, force, record_path.with_suffix(f".result.{output_format}")
            )
            progress(f"wrote {out}")

    result = execute_run(
        root, prompt, settings, os.environ, progress, recording, publish=publish, waiting=awaiting
    )
    if result.outcome.document is None:
        best = result.outcome.best
        for violation in best.violations:
            progress(f"  {violation}")
        progress(
            f"specrun: no valid result after {len(result.outcome.attempts)} attempt(s); the best "
            f"draft (attempt {best.number}) and every answer are {result.kept}"
        )
        raise typer.Exit(1)


def deliver(rendered: str, out: Path, force: bool, fallback: Path) -> None:
    """Write the paid-for result to ``out``; when that fails, keep it elsewhere and say where."""
    from specrun.errors import InputError
    from specrun.gates.output import DestinationTaken, keep_elsewhere, write_atomically

    data = rendered.encode("utf-8")
    try:
        write_atomically(out, data, replace=force)
        return
    except DestinationTaken:
        problem = f"{out} was created by someone else meanwhile"
    except OSError as error:
        problem = f"cannot write {out} ({error.strerror or error})"
    kept = keep_elsewhere(data, fallback)
    if kept is None:
        show(rendered, nl=False)
        raise InputError(f"{problem}; the valid result was printed to stdout instead")
    raise InputError(f"{problem}; the valid result is kept in {kept}")


@app.command()
@reports_errors
def context(
    repo: RepoOption = Path(),
    prompt: PromptOption = DEFAULT_PROMPT,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Print the whole system prompt.")] = False,
) -> None:
    """Show what would be sent to the model, without calling one.

    Example: specrun context --repo examples/tenantatlas
    """
    import os

    from specrun.context.assembly import assemble_context, context_window_warning
    from specrun.context.numbering import listing
    from specrun.context.prompt_pack import load_prompt_pack
    from specrun.gates.limits import Limits

    limits = Limits.from_environ(os.environ)
    assembled = assemble_context(repo, load_prompt_pack(prompt, repo), limits)
    if warning := context_window_warning(assembled, configured_model(repo)):
        progress(warning)
    if as_json:
        summary: dict[str, object] = {
            "prompt": assembled.pack.name,
            "prompt_source": str(assembled.pack.source),
            "rules_source": str(assembled.pack.rules_source),
            "files": [
                {"path": file.path, "bytes": file.size, "sha256": file.sha256}
                for file in assembled.files
            ],
            "characters": len(assembled.system_prompt),
            "token_estimate": assembled.token_estimate,
            "numbering": assembled.numbering.as_dict(),
        }
        if full:
            summary["system_prompt"] = assembled.system_prompt
        show(json_escaped(json.dumps(summary, indent=2, ensure_ascii=False)))
        return
    if full:
        show(assembled.system_prompt, nl=False)
        return
    evidence = assembled.numbering
    lines = [
        f"prompt: {assembled.pack.name} ({assembled.pack.source})",
        f"rules: {assembled.pack.rules_source}",
        "binding files:",
    ]
    lines += [f"  {f.path}  {f.size:,} bytes  sha256 {f.sha256}" for f in assembled.files]
    in_use = listing(evidence.in_use)
    available = listing(evidence.available, "none proven")
    lines += [
        f"system prompt: {len(assembled.system_prompt):,} characters, "
        f"about {assembled.token_estimate:,} tokens",
        f"numbering: {evidence.status} ({evidence.reason})",
        f"  in use: {in_use}; available: {available}",
    ]
    show("\n".join(lines))


def configured_model(repo: Path) -> str:
    """The model ``run`` would use here; the built-in default when the config cannot be read
    (``run`` reports that error itself)."""
    import os

    from specrun.settings.config import Config, find_config, resolve_settings

    try:
        loaded, source = find_config(None, repo, Path.cwd())
        return resolve_settings(loaded, source, os.environ).profile.model
    except SpecrunError:
        return resolve_settings(Config(), "built-in defaults", {}).profile.model


@app.command()
@reports_errors
def check(
    file: Annotated[
        Path,
        typer.Argument(help="A result JSON or an agent's Markdown answer; - reads standard input."),
    ],
    repo: RepoOption = Path(),
    prompt: PromptOption = DEFAULT_PROMPT,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    judge: Annotated[
        bool, typer.Option("--judge", help="Let the configured judge decide the unsure items.")
    ] = False,
    cassette: Annotated[
        Path | None,
        typer.Option("--cassette", help="With --judge: replay the judge from this recording."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail on items left for review, too.")
    ] = False,
) -> None:
    """Validate a result against the schema and every rule; exit 1 on violations.

    The result is a JSON file or an agent's Markdown answer in any layout (told from its
    content); findings on Markdown point to FILE:LINE. What the rules cannot decide is listed
    as "needs review"; it fails only with --strict. --judge lets the configured judge model
    decide those items.

    Example: specrun check answer.md --repo examples/tenantatlas --judge
    """
    import os

    from specrun.context.assembly import resolve_repository
    from specrun.context.numbering import gather_numbering_evidence
    from specrun.context.prompt_pack import load_pack_rules
    from specrun.document.source import read_answer_file, stored_result
    from specrun.errors import InputError
    from specrun.gates.limits import Limits
    from specrun.rules import check_answer

    if cassette is not None and not judge:
        raise InputError("--cassette replays the judge: pass it with --judge")
    answer = read_answer_file(file, Limits.from_environ(os.environ))
    if isinstance(answer, dict):
        stored = stored_result(answer, file)
        if stored.note:
            progress(f"warning: {stored.note}")
        answer = stored.document
    root = resolve_repository(repo)
    rules = load_pack_rules(prompt, root)
    evidence = gather_numbering_evidence(root)
    if not evidence.in_use:
        progress(
            f"note: {root} has no specs/NNN-* directories, so spec numbers and boundaries are "
            "not checked against it; pass --repo with the target repository"
        )
    document, findings = check_answer(answer, rules, evidence)
    if judge and document is not None:
        from specrun.providers.cassettes import Recording
        from specrun.run.review import judge_result

        recording = Recording(cassette, record=False) if cassette is not None else None
        findings = judge_result(
            document, findings, rules, file, root, os.environ, progress, recording
        )
        if not isinstance(answer, dict):
            from specrun.rules.markdown_check import with_lines

            findings = with_lines(answer, findings)
    violations, unsure = findings.violations, findings.needs_review
    failed = bool(violations) or (strict and bool(unsure))
    if as_json:
        report = {
            "valid": not failed,
            "violations": [v.as_dict() for v in violations],
            "needs_review": [item.as_dict() for item in unsure],
        }
        show(json_escaped(json.dumps(report, indent=2, ensure_ascii=False)))
    else:
        for verdict in (*violations, *unsure):
            place = f"{file}:{verdict.line}: " if verdict.line is not None else ""
            show(f"{place}{verdict}", one_line=True)
    summary = f"{len(violations)} violation(s), {len(unsure)} item(s) need review"
    if failed:
        progress(f"{file}: invalid: {summary}")
        raise typer.Exit(1)
    progress(f"{file}: valid" + (f" ({summary})" if unsure else ""))


@app.command()
@reports_errors
def render(
    file: Annotated[Path, typer.Argument(help="A result JSON file.")],
    output_format: Annotated[
        Format, typer.Option("--format", parser=parse_format, help="md (default) or json.")
    ] = Format.md,
) -> None:
    """Turn a result JSON, or a run record, into the Markdown document.

    A run record of an invalid run gives its best draft, with a warning and exit 1.

    Example: specrun render result.json > candidates.md
    """
    import os

    from pydantic import ValidationError

    from specrun.document.model import SpecCandidates, read_result_file
    from specrun.document.source import stored_result
    from specrun.errors import InputError
    from specrun.gates.limits import Limits

    stored = stored_result(read_result_file(file, Limits.from_environ(os.environ)), file)
    try:
        document = SpecCandidates.model_validate(stored.document)
    except ValidationError as error:
        raise InputError(
            f"{file} does not match the result schema ({error.error_count()} problem(s)); "
            f"run specrun check {file} to see them"
        ) from None
    show(rendered_as(output_format, document, stored.provenance), nl=False)
    if stored.note:
        progress(f"warning: {stored.note}")
        raise typer.Exit(1)


@app.command()
@reports_errors
def trust(repo: RepoOption = Path()) -> None:
    """Trust the repository's specrun.toml to decide where requests and keys go.

    Shows the endpoints and key variables the file names, then records its path and sha256:
    any later edit of the file revokes the trust. Review the file before you trust it.

    Example: specrun trust --repo ../colleagues-fork
    """
    import os

    from specrun.context.assembly import resolve_repository
    from specrun.settings.config import CONFIG_NAME, describe_endpoints, read_config_file
    from specrun.settings.trust import record_trust

    path = resolve_repository(repo) / CONFIG_NAME
    file = read_config_file(path, trusted=True)
    described = describe_endpoints(file, os.environ)
    for line in described or ["it names no endpoint or key variable; only tuning settings"]:
        show(f"{path}: {line}", one_line=True)
    store = record_trust(path, file.sha256, os.environ)
    show(f"trusted {path} (sha256 {file.sha256[:12]}); recorded in {store}", one_line=True)


@app.command()
@reports_errors
def skill(
    agent: Annotated[
        Agent | None,
        typer.Option("--agent", help="Write the skill for this agent only (default: both)."),
    ] = None,
    repo: RepoOption = Path(),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing skill.")] = False,
) -> None:
    """Write a skill that has a coding agent check its own answer with specrun check.

    Codex reads it from .agents/skills/spec-candidates/, Claude Code from
    .claude/skills/spec-candidates/.

    Example: specrun skill --repo path/to/TenantAtlas --agent claude
    """
    from specrun.agents.skill import write_skill
    from specrun.context.assembly import resolve_repository

    agents = [agent] if agent is not None else list(Agent)
    for path in write_skill(resolve_repository(repo), agents, force):
        show(f"wrote {path}", one_line=True)


@app.command()
def schema() -> None:
    """Print the result document's JSON Schema.

    Example: specrun schema > spec-candidates.schema.json
    """
    from specrun.document.model import result_json_schema

    show(json.dumps(result_json_schema(), indent=2))


runs_app = typer.Typer(
    help="Past runs, from their run records: list them, show one, print its result.",
    rich_markup_mode=None,
    no_args_is_help=False,
)
app.add_typer(runs_app, name="runs")


@runs_app.callback(invoke_without_command=True)
@reports_errors
def runs(
    context: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Show at most N runs, newest first.")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List past runs, newest first: time, status, attempts, tokens, cost, profile and model,
    prompt, repository and record path.

    Example: specrun runs --limit 5
    """
    if context.invoked_subcommand is not None:
        return
    import os

    from specrun.run.history import list_runs
    from specrun.settings.places import runs_directory

    listing = list_runs(runs_directory(os.environ), limit, progress)
    listed = listing.runs
    if as_json:
        show(json_escaped(json.dumps([run.as_dict() for run in listed], indent=2)))
        return
    if listed:
        show("\n".join(past.line() for past in listed))
        if listing.more:
            progress(f"the {limit} newest runs; --limit N shows more")
    else:
        progress(f"no runs recorded in {runs_directory(os.environ)}")


@runs_app.command("show")
@reports_errors
def runs_show(
    ident: Annotated[str, typer.Argument(metavar="ID", help="A run id or prefix.")],
) -> None:
    """Show one run: its attempts, violations with their evidence, and the judge's verdicts.

    Example: specrun runs show 20261204T1356
    """
    import os

    from specrun.run.history import describe_run, find_run, load_run
    from specrun.settings.places import runs_directory

    found = find_run(runs_directory(os.environ), ident)
    for line in describe_run(found, load_run(found)):
        show(line, one_line=True)


@runs_app.command("result")
@reports_errors
def runs_result(
    ident: Annotated[str, typer.Argument(metavar="ID", help="A run id or prefix.")],
    output_format: Annotated[
        Format, typer.Option("--format", parser=parse_format, help="md (default) or json.")
    ] = Format.md,
) -> None:
    """Print a run's valid result; a run without one prints its best draft and exits 1.

    Prints what `specrun render` of its record prints.

    Example: specrun runs result 20261204T1356 --format json > result.json
    """
    import os

    from specrun.run.history import find_run, load_run, run_result
    from specrun.settings.places import runs_directory

    found = find_run(runs_directory(os.environ), ident)
    document, provenance, note = run_result(found, load_run(found))
    show(rendered_as(output_format, document, provenance), nl=False)
    if note:
        progress(f"warning: {note}")
        raise typer.Exit(1)


def interrupt(signum: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C: temporary files are removed and the run record kept."""
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, interrupt)
    app()
