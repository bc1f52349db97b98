"""Cassettes: replaying and recording provider traffic with vcrpy.

Replay (``record_mode="none"``) answers each request from the cassette and fails one that has
no recorded match: an input error (exit 2), since nothing was contacted and the recording, not the
provider, does not fit. Recording scrubs credentials before anything touches disk: the
authorization, API-key, cookie, organisation and project headers are dropped, and in every other
header value, every URL and every body of requests and responses, the given secrets (every key
in use) and anything key-shaped are blanked, byte for byte, so a body that is not UTF-8 replays
exactly. A compressed response body is decoded first, within the body cap
(``limits.inflate``), so a key inside it is found and a decompression bomb is stored only up to
the cap; one in an encoding specrun does not decode is not stored at all. The file is written
atomically with mode 0600. Requests match on method, URL and JSON body, so a changed prompt,
repository or option does not match an old recording. Before vcrpy reads a cassette,
``screen`` bounds it: its size (``SPECRUN_MAX_CASSETTE_BYTES``), its number of interactions
(``SPECRUN_MAX_CASSETTE_INTERACTIONS``), and no YAML aliases. vcrpy reads it with its safe YAML
loader; a cassette it cannot read, or a path that is not a regular file, is an input error, and
a recording that fails leaves no file behind. A replayed body is decoded by the transport,
within the body cap, like a live one.

A cassette knows what it was recorded for: ``recorded_profile`` reads the provider kind, model,
endpoint and output limit back from its first request, so a replay follows the recording
whatever the user's config or ``SPECRUN_*`` variables say (``as_recorded`` for a run and its
judge, ``judge_as_recorded`` for ``check --judge``, whose first request is the judge's), and a
replay that finds no match can say whether it asked another provider, model or endpoint than
the recording did.
"""

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from specrun.errors import InputError, causes
from specrun.gates.credentials import scrub, scrub_bytes
from specrun.gates.limits import (
    DEFAULT_LIMITS,
    MAX_NESTING,
    Limits,
    TooDeep,
    decodable,
    inflate,
    safe_yaml_loader,
    size_text,
    yaml_events,
)
from specrun.gates.output import write_atomically
from specrun.gates.terminal import Report
from specrun.providers import Answer, Provider, Request
from specrun.settings.config import (
    VENDOR_ENDPOINTS,
    JudgeSettings,
    ProviderProfile,
    Settings,
    default_judge,
    endpoint_url,
)

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "x-api-key",
        "api-key",
        "cookie",
        "set-cookie",
        "openai-organization",
        "openai-project",
        "anthropic-organization-id",
        "x-organization-id",
    }
)
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
REPLAY_KEY = "replayed-no-key"
REQUEST_PATHS = {"anthropic": "/v1/messages", "openai": "/chat/completions"}


@dataclass(frozen=True)
class Target:
    """What a request is addressed to: provider kind, model and base URL."""

    kind: str
    model: str
    endpoint: str

    @classmethod
    def of(cls, profile: ProviderProfile) -> "Target":
        return cls(profile.kind, profile.model, endpoint_url(profile).rstrip("/"))

    def __str__(self) -> str:
        return f"{self.kind} {self.model} at {self.endpoint}"


CASSETTE_MODE = 0o600


def screen(path: Path, limits: Limits) -> None:
    """Refuse a cassette too large to read, or with more interactions than allowed, or with YAML
    aliases (a few lines of them expand into gigabytes once read; vcrpy never writes them), or
    nested deeper than ``MAX_NESTING`` (the loader would run out of stack). The
    size is taken from the file system; then the parser's events are scanned without building
    anything, counting the mappings of the top-level list (the interactions)."""
    import yaml

    try:
        size = path.stat().st_size
    except OSError:
        return  # missing or unreadable: reported where the cassette is loaded
    if size > limits.cassette_bytes:
        raise InputError(
            f"cassette {path} is {size_text(size)}, over the limit of "
            f"{size_text(limits.cassette_bytes)} (SPECRUN_MAX_CASSETTE_BYTES); raise it for a "
            "cassette you trust"
        )
    interactions = 0
    open_containers: list[type] = []
    too_deep = InputError(
        f"cassette {path} is nested more than {MAX_NESTING} levels deep, which no recording "
        "is; record it again with --record"
    )
    try:
        with path.open(encoding="utf-8") as stream:
            for event in yaml_events(stream):
                if isinstance(event, yaml.AliasEvent):
                    raise InputError(
                        f"cassette {path} uses YAML aliases, which specrun does not read; "
                        "record it again with --record"
                    )
                if isinstance(event, yaml.CollectionStartEvent):
                    if open_containers == [yaml.MappingStartEvent, yaml.SequenceStartEvent]:
                        interactions += isinstance(event, yaml.MappingStartEvent)
                    open_containers.append(type(event))
                    if len(open_containers) > MAX_NESTING:
                        raise too_deep
                elif isinstance(event, yaml.CollectionEndEvent):
                    open_containers.pop()
                if interactions > limits.cassette_interactions:
                    raise InputError(
                        f"cassette {path} holds more than {limits.cassette_interactions:,} "
                        "interactions (SPECRUN_MAX_CASSETTE_INTERACTIONS); raise it for a "
                        "cassette you trust"
                    )
    except TooDeep:
        raise too_deep from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError, IndexError):
        return  # unreadable: reported where the cassette is loaded


def _first_request(path: Path, limits: Limits) -> tuple[str, dict[str, Any]] | None:
    import yaml

    if not path.is_file():  # a FIFO or device would block; ``cassette`` names the problem
        return None
    try:
        screen(path, limits)
    except InputError:
        return None  # ``cassette`` refuses it, naming the bound
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=safe_yaml_loader())
        request = data["interactions"][0]["request"]
        body = json.loads(request["body"])
    except (OSError, UnicodeDecodeError, yaml.YAMLError, LookupError, TypeError, ValueError):
        return None
    if not isinstance(request.get("uri"), str) or not isinstance(body, dict):
        return None
    return request["uri"], body


def recorded_profile(path: Path, limits: Limits = DEFAULT_LIMITS) -> ProviderProfile | None:
    """The profile the cassette's first request was made with, as far as the request shows it
    (None when the cassette holds no readable request)."""
    found = _first_request(path, limits)
    if found is None:
        return None
    uri, body = found
    kind = next((kind for kind, tail in REQUEST_PATHS.items() if uri.endswith(tail)), None)
    if kind is None or not isinstance(body.get("model"), str):
        return None
    base_url = uri.removesuffix(REQUEST_PATHS[kind])
    parameter = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
    fields: dict[str, Any] = {
        "kind": kind,
        "model": body["model"],
        "base_url": None if base_url == VENDOR_ENDPOINTS[kind] else base_url,
        "temperature": body.get("temperature"),
    }
    if isinstance(body.get(parameter), int):
        fields["max_tokens"] = body[parameter]
    if kind == "openai":
        fields["token_parameter"] = parameter
    try:
        return ProviderProfile.model_validate(fields)
    except ValueError:
        return None


def asks(profile: ProviderProfile) -> tuple[object, ...]:
    """What of a profile shapes its requests, and so decides whether a recording matches."""
    return (
        Target.of(profile),
        profile.max_tokens,
        profile.output_token_parameter,
        profile.temperature,
    )


def _recorded_instead(
    path: Path, profile: ProviderProfile, limits: Limits
) -> ProviderProfile | None:
    """The profile ``path`` was recorded with, where it asks otherwise than ``profile``."""
    recorded = recorded_profile(path, limits)
    if recorded is None or asks(recorded) == asks(profile):
        return None
    return recorded


def _instead(name: str, profile: ProviderProfile, recorded: ProviderProfile) -> str:
    configured, target = Target.of(profile), Target.of(recorded)
    if (configured.kind, configured.endpoint) == (target.kind, target.endpoint):
        return f"model {configured.model} of profile {name}"
    return f"profile {name}"


def as_recorded(
    settings: Settings, path: Path, report: Report, limits: Limits = DEFAULT_LIMITS
) -> Settings:
    """The settings a replay of ``path`` uses: the profile the cassette was recorded with, and a
    judge that follows it when the judge followed the run's profile."""
    recorded = _recorded_instead(path, settings.profile, limits)
    if recorded is None:
        return settings
    report(
        f"{path} was recorded for {Target.of(recorded)}; replaying with that instead of "
        f"{_instead(settings.profile_name, settings.profile, recorded)} ({settings.source}); "
        "--provider or --model choose otherwise"
    )
    judge = settings.judge
    if judge is not None and judge.profile_name == settings.profile_name:
        judge = default_judge("recorded", recorded)
    return replace(settings, profile_name="recorded", profile=recorded, judge=judge)


def judge_as_recorded(
    judging: JudgeSettings, path: Path, report: Report, limits: Limits = DEFAULT_LIMITS
) -> JudgeSettings:
    """The judge a replay of ``path`` uses when the cassette holds only the judge's requests
    (``check --judge``): the profile they were recorded with."""
    recorded = _recorded_instead(path, judging.profile, limits)
    if recorded is None:
        return judging
    report(
        f"{path} was recorded for {Target.of(recorded)}; replaying the judge with that instead "
        f"of {_instead(judging.profile_name, judging.profile, recorded)}"
    )
    return JudgeSettings("recorded", recorded)


def _scrub_body(body: Any, secrets: tuple[str, ...]) -> Any:
    """Bytes stay bytes, and only the secrets in them change: a body that is not UTF-8 is
    recorded exactly, so its replay matches."""
    if isinstance(body, bytes):
        return scrub_bytes(body, secrets)
    if isinstance(body, str):
        return scrub(body, secrets)
    return body


def _scrub_value(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, list | tuple):
        return [_scrub_value(item, secrets) for item in value]
    return scrub(value, secrets) if isinstance(value, str) else value


def _scrub_headers(headers: Any, secrets: tuple[str, ...]) -> None:
    """Drop the credential headers and blank the secrets in every other header's value."""
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
        else:
            headers[name] = _scrub_value(headers[name], secrets)


def _decoded(recorded: dict[str, Any], limit: int) -> None:
    """Decode a compressed response body in place, within ``limit``, so its secrets can be
    found: past the limit only ``limit + 1`` bytes are kept. A body in an encoding specrun does
    not decode is replaced by a note, since nothing in it could be checked."""
    headers = recorded["headers"]
    names = [name for name in headers if name.lower() == "content-encoding"]
    if not names:
        return
    values = headers[names[0]]
    encoding = ",".join(values) if isinstance(values, list) else str(values)
    body = recorded["body"]["string"]
    if isinstance(body, str):
        body = body.encode("utf-8")
    if decodable(encoding):
        body = b"".join(inflate([body], encoding, limit))
    else:
        body = f"(a body in content-encoding {encoding[:40]!r} is not recorded)".encode()
    for name in names:
        del headers[name]
    for name in [name for name in headers if name.lower() == "content-length"]:
        headers[name] = [str(len(body))]
    recorded["body"]["string"] = body


def scrubbers(secrets: tuple[str, ...], limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    def request(recorded: Any) -> Any:
        _scrub_headers(recorded.headers, secrets)
        recorded.uri = scrub(recorded.uri, secrets)
        recorded.body = _scrub_body(recorded.body, secrets)
        return recorded

    def response(recorded: dict[str, Any]) -> dict[str, Any]:
        _decoded(recorded, limits.body_bytes)
        _scrub_headers(recorded["headers"], secrets)
        if isinstance(recorded.get("status"), dict):
            status = recorded["status"].items()
            recorded["status"] = {key: _scrub_value(value, secrets) for key, value in status}
        recorded["body"]["string"] = _scrub_body(recorded["body"]["string"], secrets)
        return recorded

    return {"before_record_request": request, "before_record_response": response}


class PrivatePersister:
    """vcrpy's file persister, writing the cassette atomically with mode 0600: it may hold
    prompts and answers, which are nobody else's to read."""

    @classmethod
    def load_cassette(cls, cassette_path: Any, serializer: Any) -> Any:
        from vcr.persisters.filesystem import FilesystemPersister

        return FilesystemPersister.load_cassette(cassette_path, serializer)

    @staticmethod
    def save_cassette(cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        from vcr.serialize import serialize

        data = serialize(cassette_dict, serializer).encode("utf-8")
        write_atomically(Path(cassette_path), data, replace=True, mode=CASSETTE_MODE)


def _check_path(path: Path, record: bool) -> None:
    """A cassette is a regular file (a FIFO or device would hang the run); a missing one can
    only be recorded."""
    if path.is_dir():
        raise InputError(
            f"cassette {path} is a directory; pass a cassette file such as {path}/run.yaml"
        )
    if path.exists() and not path.is_file():
        raise InputError(f"cassette {path} is not a regular file; pass a cassette file")
    if record and not path.parent.is_dir():
        raise InputError(f"cannot record into {path}: {path.parent} is not a directory")
    if not record and not path.exists():
        raise InputError(
            f"cassette {path} does not exist; pass an existing cassette, or record one with "
            "--record and a live API key"
        )


@contextmanager
def cassette(
    path: Path, record: bool, secrets: tuple[str, ...] = (), limits: Limits = DEFAULT_LIMITS
) -> Iterator[Any]:
    """Replay ``path``, or record into it when ``record`` is set: into ``F.recording`` first,
    which replaces ``path`` only when the run ends without an error and is removed otherwise."""
    import vcr
    import yaml

    _check_path(path, record)
    if not record:
        screen(path, limits)
    target = path.with_name(path.name + ".recording") if record else path
    if record:
        target.unlink(missing_ok=True)
    recorder = vcr.VCR(
        record_mode="all" if record else "none",
        match_on=MATCH_ON,
        decode_compressed_response=False,
        **(scrubbers(secrets, limits) if record else {}),
    )
    recorder.register_persister(PrivatePersister)
    with ExitStack() as stack:
        try:
            tape = stack.enter_context(
                recorder.use_cassette(str(target), allow_playback_repeats=False)
            )
        except (yaml.YAMLError, ValueError, KeyError, TypeError, AttributeError) as error:
            problem = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise InputError(
                f"cassette {path} is not a readable vcrpy cassette ({problem}); "
                "record it again with --record"
            ) from None
        try:
            yield tape
        except BaseException:
            stack.close()
            if record:
                target.unlink(missing_ok=True)
            raise
    if record and target.exists():
        target.replace(path)


def unmatched_request(error: BaseException) -> bool:
    """Was this failure a request the cassette holds no recording for?"""
    from vcr.errors import CannotOverwriteExistingCassetteException

    return any(
        isinstance(cause, CannotOverwriteExistingCassetteException) for cause in causes(error)
    )


class ReplayedProvider:
    """A provider answering from a cassette: a request with no recording fails at once, naming
    what the cassette was recorded for when this run asked something else."""

    def __init__(
        self,
        provider: Provider,
        path: Path,
        profile: ProviderProfile,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.provider = provider
        self.path = path
        self.profile = profile
        self.limits = limits

    def complete(self, request: Request) -> Answer:
        try:
            return self.provider.complete(request)
        except Exception as error:  # older SDKs wrap vcrpy's refusal, newer ones let it through
            if unmatched_request(error):
                raise InputError(self._mismatch()) from error
            raise

    def _mismatch(self) -> str:
        recorded = recorded_profile(self.path, self.limits)
        asked = Target.of(self.profile)
        if recorded is not None and Target.of(recorded) != asked:
            return (
                f"cassette {self.path} was recorded for {Target.of(recorded)}, but this run asks "
                f"{asked}; replay it without --provider and --model to use what it was recorded "
                "for, or record it again with --record"
            )
        return (
            f"cassette {self.path} has no recorded answer for this request: the prompt, the "
            "repository or the run options changed since it was recorded; record it again with "
            "--record (generated ones: python scripts/generate_cassettes.py)"
        )


@dataclass(frozen=True)
class Recording:
    """``chosen``: the run's provider or model came from a flag, so a replay keeps them."""

    path: Path
    record: bool
    chosen: bool = False
