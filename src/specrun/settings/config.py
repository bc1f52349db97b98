"""Configuration: which provider profile ``run`` uses, and who may decide where it sends keys.

Files are laid over the built-in profiles in this order, each later one winning field by field:
the user's own config (``$XDG_CONFIG_HOME/specrun/config.toml``, default
``~/.config/specrun/config.toml``), then ``--config FILE``, else ``specrun.toml`` in the target
repository, else in the current directory. ``SPECRUN_PROVIDER`` / ``SPECRUN_MODEL`` override the
files, and flags override both; ``SPECRUN_MODEL`` names a model of the profile the files or
``SPECRUN_PROVIDER`` chose, so it does not apply to a profile picked with ``--provider``. Every
table forbids unknown keys, so a typo is an error naming the key, and every limit has an upper
bound.

The user config and ``--config`` are the user's own. A ``specrun.toml`` found in the repository
or the current directory is not: it may tune a run (model, attempts, limits), but it may not
set where requests and keys go (``kind``, ``base_url``, ``api_key_env``, or a new profile that
would carry them) unless the user trusted that exact file (``specrun.settings.trust``). API
keys come
only from the environment: a key written into a file is refused, and its value is never echoed.

The judge (``[judge]``, or ``judge = false`` to turn it off) follows the run's profile unless it
names another defined profile, with a cheaper model of the same provider by default.

Money: ``[prices."MODEL"]`` tables (USD per million tokens) price models the maintained table
does not know, such as a private deployment; ``--price-file FILE`` holds the same tables and wins
over the files. An untrusted repository file may not set prices (a price of zero would hide what
a run costs) and may set ``max_cost`` only below the budget the user's own files set.
"""

import hashlib
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from specrun.errors import InputError
from specrun.gates.limits import TooDeep, parse_nested
from specrun.settings import hosts
from specrun.settings.hosts import ascii_url
from specrun.settings.trust import is_trusted

CONFIG_NAME = "specrun.toml"
CONFIG_MAX_BYTES = 1_000_000
MAX_ATTEMPTS = 20
MAX_PRICE = 100_000.0
MAX_BUDGET = 1_000_000.0
ENDPOINT_KEYS = ("kind", "base_url", "api_key_env")
VENDOR_ENDPOINTS = {
    "anthropic": "https://api.anthropic.com",
    "openai": "https://api.openai.com/v1",
}
REROUTING_VARIABLES = ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL")
TokenParameter = Literal["max_tokens", "max_completion_tokens"]
ReaskMode = Literal["targeted", "full"]
REASK_MODES: tuple[ReaskMode, ...] = ("targeted", "full")
SECRET_KEY = re.compile(r"(api[_-]?key|secret|token|password|credential)$", re.IGNORECASE)
# Capitals only: a pasted key (mixed case, dashes) never passes for a variable's name.
VARIABLE_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def check_endpoint(url: str) -> None:
    """An endpoint is an http(s) URL with a host and nothing secret in it. The messages never
    repeat the URL, which may hold a key."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        raise ValueError("is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    if any(character.isspace() or not character.isprintable() for character in url):
        raise ValueError("must not contain spaces or control characters")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "must not hold credentials (user:password@); name the key's variable in api_key_env"
        )
    if parts.query or parts.fragment:
        raise ValueError(
            "must not have a query or fragment (a key in ?api-key= belongs in api_key_env)"
        )


class ProviderProfile(Options):
    kind: Literal["anthropic", "openai"]
    model: str = Field(min_length=1)
    base_url: str | None = None
    api_key_env: str | None = None
    max_tokens: int = Field(default=16000, gt=0, le=1_000_000)
    temperature: float | None = Field(default=None, ge=0, le=2)
    timeout: float = Field(default=300.0, gt=0, le=3600, description="Seconds for one request.")
    output: Literal["native", "tool"] = Field(
        default="native",
        description="How the answer is constrained to the schema: the provider's native "
        "structured output, or a strict forced tool.",
    )
    token_parameter: TokenParameter | None = Field(
        default=None, description="How an OpenAI-kind endpoint takes the output limit."
    )

    @field_validator("base_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None:
            check_endpoint(value)
        return value

    @field_validator("api_key_env")
    @classmethod
    def _variable(cls, value: str | None) -> str | None:
        if value is not None and not VARIABLE_NAME.fullmatch(value):
            raise ValueError(
                "must be the name of an environment variable in capitals, digits and "
                "underscores (such as LOCAL_LLM_KEY), never the key itself"
            )
        return value

    @model_validator(mode="after")
    def _anthropic_takes_max_tokens(self) -> "ProviderProfile":
        if self.kind == "anthropic" and self.token_parameter == "max_completion_tokens":
            raise ValueError("token_parameter: the Anthropic API takes only max_tokens")
        return self

    @property
    def output_token_parameter(self) -> TokenParameter:
        """OpenAI's own endpoint takes ``max_completion_tokens`` (reasoning models refuse
        ``max_tokens``); Anthropic and most OpenAI-compatible servers know only ``max_tokens``.
        Azure and gateways vary, so a profile may say."""
        if self.token_parameter is not None:
            return self.token_parameter
        own = is_vendor_endpoint(self)
        return "max_completion_tokens" if self.kind == "openai" and own else "max_tokens"


class RetryPolicy(Options):
    """Transient faults: retried with exponential backoff that honours Retry-After."""

    max_retries: int = Field(default=5, ge=0, le=20)
    max_wait: float = Field(default=60.0, ge=0, le=3600, description="Seconds of waiting in all.")


class JudgeOptions(Options):
    """The model that decides what the deterministic rules could not."""

    profile: str | None = Field(default=None, description="Default: the run's profile.")
    model: str | None = Field(
        default=None, description="Default: a cheaper model of the profile's provider."
    )


# A cheaper model of each hosted provider; a server of one's own (a base_url) keeps its model.
JUDGE_MODELS = {"anthropic": "claude-haiku-4-5", "openai": "gpt-5.5-mini"}

BUILT_IN_PROFILES = {
    "anthropic": ProviderProfile(kind="anthropic", model="claude-sonnet-5-5"),
    "openai": ProviderProfile(kind="openai", model="gpt-5.5"),
    "local": ProviderProfile(
        kind="openai", model="qwen2.5:32b", base_url="http://127.0.0.1:11434/v1"
    ),
}


class ModelPrice(Options):
    """What a model costs, in USD per million tokens; cache reads and writes cost as much as
    input unless given."""

    input: float = Field(ge=0, le=MAX_PRICE)
    output: float = Field(ge=0, le=MAX_PRICE)
    cache_read: float | None = Field(default=None, ge=0, le=MAX_PRICE)
    cache_write: float | None = Field(default=None, ge=0, le=MAX_PRICE)


class PriceFile(Options):
    """A ``--price-file``: ``[prices."MODEL"]`` tables, as in a config file."""

    prices: dict[str, ModelPrice] = Field(default_factory=dict)


class Config(Options):
    provider: str = "anthropic"
    max_attempts: int = Field(default=3, ge=1, le=MAX_ATTEMPTS)
    max_cost: float | None = Field(
        default=None, gt=0, le=MAX_BUDGET, description="USD a run may spend at most."
    )
    retries: RetryPolicy = RetryPolicy()
    providers: dict[str, ProviderProfile] = Field(default_factory=dict)
    judge: JudgeOptions | None = JudgeOptions()
    prices: dict[str, ModelPrice] = Field(default_factory=dict)
    reask: ReaskMode = Field(
        default="targeted",
        description="Re-ask only the parts that broke a rule (targeted), or the whole document.",
    )

    @field_validator("judge", mode="before")
    @classmethod
    def _judge_switch(cls, value: object) -> object:
        """``judge = false`` turns the judge off; ``judge = true`` keeps its defaults."""
        if isinstance(value, bool):
            return JudgeOptions() if value else None
        return value


@dataclass(frozen=True)
class JudgeSettings:
    profile_name: str
    profile: ProviderProfile


@dataclass(frozen=True)
class ConfigFile:
    """One config file as read: its table, the sha256 of its bytes, and whether its endpoint
    settings count (the user's own files, or a repository file the user trusted)."""

    path: Path
    table: dict[str, Any]
    sha256: str
    trusted: bool


@dataclass(frozen=True)
class Settings:
    """What one run uses, once files, environment and flags are combined. ``judge`` is None
    when the judge is turned off."""

    profile_name: str
    profile: ProviderProfile
    max_attempts: int
    retries: RetryPolicy
    source: str
    judge: JudgeSettings | None = None
    max_cost: float | None = None
    prices: Mapping[str, ModelPrice] = field(default_factory=dict)
    reask: ReaskMode = "targeted"


def endpoint_url(profile: ProviderProfile) -> str:
    """Where the profile's requests really go: its ``base_url``, else its vendor's endpoint
    (never a ``*_BASE_URL`` variable the SDKs would read on their own)."""
    return profile.base_url or VENDOR_ENDPOINTS[profile.kind]


def is_vendor_endpoint(profile: ProviderProfile) -> bool:
    """Does the profile talk to its vendor's own API, over https?"""
    parts, vendor = urlsplit(endpoint_url(profile)), urlsplit(VENDOR_ENDPOINTS[profile.kind])
    return (
        parts.scheme == "https" and parts.hostname == vendor.hostname and parts.port in (None, 443)
    )


def user_config_path(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "specrun" / "config.toml"


def _secret_keys(table: Any, path: str = "") -> list[str]:
    if not isinstance(table, dict):
        return []
    found = []
    for key, value in table.items():
        here = f"{path}.{key}" if path else key
        if SECRET_KEY.search(key) and key != "api_key_env":
            found.append(here)
        found += _secret_keys(value, here)
    return found


def _problems(error: ValidationError) -> str:
    """Pydantic's errors without the offending values, which may be secrets."""
    return "; ".join(
        f"{'.'.join(str(part) for part in detail['loc'])}: "
        + ("unknown key" if detail["type"] == "extra_forbidden" else detail["msg"])
        for detail in error.errors()
    )


def read_config_file(path: Path, trusted: bool, what: str = "config file") -> ConfigFile:
    """Read one file; anything but a small regular UTF-8 TOML file is an input error (a FIFO
    or device is refused before it is opened, so it cannot hang the run)."""
    if not path.exists():
        raise InputError(f"{what} {path} does not exist; pass an existing file")
    if not path.is_file():
        raise InputError(f"{what} {path} is not a regular file; pass a TOML file")
    try:
        with path.open("rb") as stream:
            data = stream.read(CONFIG_MAX_BYTES + 1)
        if len(data) > CONFIG_MAX_BYTES:
            raise InputError(
                f"{what} {path} is larger than {CONFIG_MAX_BYTES:,} bytes; a {what} is a few lines"
            )
        table = parse_nested(tomllib.loads, data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TooDeep) as error:
        raise InputError(f"{what} {path} cannot be read: {error}; fix the file") from None
    if secrets := _secret_keys(table):
        raise InputError(
            f"{what} {path} holds an API key at {', '.join(secrets)}; keys are read only "
            'from environment variables: remove it and set api_key_env = "VARIABLE" instead'
        )
    return ConfigFile(path, table, hashlib.sha256(data).hexdigest(), trusted)


def endpoint_settings(table: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """Every (profile, key, value) in ``table`` that decides where requests and keys go."""
    found = []
    profiles = table.get("providers")
    for name, profile in (profiles if isinstance(profiles, dict) else {}).items():
        if isinstance(profile, dict):
            found += [(name, key, profile[key]) for key in ENDPOINT_KEYS if key in profile]
    return found


def _laid_over(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _laid_over(merged[key], value)
        else:
            merged[key] = value
    return merged


def _refuse_untrusted_endpoints(file: ConfigFile, trusted: dict[str, Any], user: Path) -> None:
    """An untrusted file may repeat what the trusted layers say, never change it."""
    for name, key, value in endpoint_settings(file.table):
        if value != trusted["providers"].get(name, {}).get(key):
            raise InputError(
                f"{file.path} sets providers.{name}.{key}, but a repository's config may not "
                f"decide where requests and keys go; review it and run `specrun trust --repo "
                f"{file.path.parent}`, or move the setting to {user} or a --config file"
            )


def _refuse_untrusted_money(file: ConfigFile, trusted: Mapping[str, Any], user: Path) -> None:
    """Prices decide what a run is shown to cost, and a budget may only be tightened."""
    fix = (
        f"review it and run `specrun trust --repo {file.path.parent}`, or move the setting to "
        f"{user}, a --config file or a --price-file"
    )
    if "prices" in file.table and file.table["prices"] != trusted.get("prices"):
        raise InputError(
            f"{file.path} sets prices, but a repository's config may not decide what a run is "
            f"shown to cost; {fix}"
        )
    budget, own = file.table.get("max_cost"), trusted.get("max_cost")
    if (
        budget is not None
        and own is not None
        and not (isinstance(budget, int | float) and budget <= own)
    ):
        raise InputError(
            f"{file.path} raises max_cost above the budget of your own config; a repository's "
            f"config may only lower it; {fix}"
        )


def merge_config(files: list[ConfigFile], user: Path) -> Config:
    """Lay ``files`` over the built-in profiles in order; an invalid result names the file
    that made it so."""
    built_in = {name: p.model_dump(exclude_defaults=True) for name, p in BUILT_IN_PROFILES.items()}
    merged: dict[str, Any] = {"providers": built_in}
    config = Config.model_validate(merged)
    for file in files:
        if not file.trusted:
            _refuse_untrusted_endpoints(file, merged, user)
            _refuse_untrusted_money(file, merged, user)
        merged = _laid_over(merged, file.table)
        try:
            config = Config.model_validate(merged)
        except ValidationError as error:
            raise InputError(f"config file {file.path} is invalid: {_problems(error)}") from None
    return config


def describe_endpoints(file: ConfigFile, environ: Mapping[str, str]) -> list[str]:
    """What trusting ``file`` would let it decide: per profile it touches, where requests go and
    which variable's key goes with them. The file must make a valid config with the user's."""
    user = user_config_path(environ)
    own = [read_config_file(user, trusted=True)] if user.exists() or user.is_symlink() else []
    config = merge_config([*own, file], user)
    lines = []
    for name in sorted({name for name, _, _ in endpoint_settings(file.table)}):
        profile = config.providers[name]
        url = endpoint_url(profile)
        if profile.api_key_env:
            key = f"the key in ${profile.api_key_env}"
        else:
            key = "the vendor's default key" if is_vendor_endpoint(profile) else "no key"
        lines.append(
            f"profile {name} ({profile.kind}) sends requests to {ascii_url(url)} with {key}"
        )
        if caution := hosts.warning(url):
            lines.append(f"profile {name}: {caution}")
    return lines


def read_config(path: Path) -> Config:
    """One trusted file over the built-in profiles."""
    return merge_config([read_config_file(path, trusted=True)], path)


def find_config(
    explicit: Path | None, repo: Path, cwd: Path, environ: Mapping[str, str] | None = None
) -> tuple[Config, str]:
    """The combined config and a description of its sources, for the run's opening line."""
    environ = os.environ if environ is None else environ
    user = user_config_path(environ)
    files, labels = [], []
    if user.exists() or user.is_symlink():
        files.append(read_config_file(user, trusted=True))
        labels.append(str(user))
    if explicit is not None:
        files.append(read_config_file(explicit, trusted=True))
        labels.append(str(explicit))
    else:
        for folder in (repo, cwd):
            candidate = folder / CONFIG_NAME
            if candidate.exists() or candidate.is_symlink():
                found = read_config_file(candidate, trusted=False)
                trusted = is_trusted(candidate, found.sha256, environ)
                files.append(ConfigFile(found.path, found.table, found.sha256, trusted))
                labels.append(f"{candidate} ({'trusted' if trusted else 'untrusted'})")
                break
    return merge_config(files, user), " + ".join(labels) or "built-in defaults"


def resolve_settings(
    config: Config,
    source: str,
    environ: Mapping[str, str],
    provider: str | None = None,
    model: str | None = None,
    max_attempts: int | None = None,
    max_cost: float | None = None,
    price_file: Path | None = None,
    reask: str | None = None,
) -> Settings:
    """Flags win over the environment, which wins over the files. ``provider`` may be
    ``NAME/MODEL``, such as ``openai/gpt-5.5``. ``SPECRUN_MODEL`` belongs to the profile the
    files or ``SPECRUN_PROVIDER`` chose: a ``--provider`` flag keeps its own profile's model."""
    profiles = {**BUILT_IN_PROFILES, **config.providers}
    _refuse_empty_choices(provider, model, profiles)
    chosen = provider or environ.get("SPECRUN_PROVIDER") or config.provider
    name, _, inline_model = chosen.partition("/")
    if name not in profiles:
        raise InputError(
            f"unknown provider {name!r}; known profiles: {', '.join(sorted(profiles))} "
            f"(add [providers.{name}] to {user_config_path(environ)})"
        )
    environment_model = None if provider else environ.get("SPECRUN_MODEL")
    chosen_model = model or inline_model or environment_model
    profile = profiles[name]
    if chosen_model:
        profile = profile.model_copy(update={"model": chosen_model})
    attempts = config.max_attempts if max_attempts is None else max_attempts
    if not 1 <= attempts <= MAX_ATTEMPTS:
        raise InputError(f"--max-attempts must be at least 1 and at most {MAX_ATTEMPTS}")
    judge = resolve_judge(config, profiles, name, profile)
    budget = config.max_cost if max_cost is None else max_cost
    if max_cost is not None and not (math.isfinite(max_cost) and 0 < max_cost <= MAX_BUDGET):
        raise InputError(f"--max-cost must be a positive amount of USD, at most {MAX_BUDGET:,.0f}")
    prices = {**config.prices, **(read_price_file(price_file) if price_file else {})}
    sources = source + _environment_sources(environ, provider, model or inline_model)
    return Settings(
        name,
        profile,
        attempts,
        config.retries,
        sources,
        judge,
        budget,
        prices,
        reask=_reask_mode(reask, config.reask),
    )


def read_price_file(path: Path) -> dict[str, ModelPrice]:
    """The ``[prices."MODEL"]`` tables of a ``--price-file``."""
    file = read_config_file(path, trusted=True, what="price file")
    try:
        return PriceFile.model_validate(file.table).prices
    except ValidationError as error:
        raise InputError(f"price file {path} is invalid: {_problems(error)}") from None


def _environment_sources(
    environ: Mapping[str, str], provider: str | None, model: str | None
) -> str:
    """The ``SPECRUN_*`` variables that shaped the settings, and those that flags overrode, for
    the run's opening line."""
    used: list[str] = []
    ignored: list[str] = []
    for name, flag in (("SPECRUN_PROVIDER", provider), ("SPECRUN_MODEL", provider or model)):
        if environ.get(name):
            (ignored if flag else used).append(name)
    said = "".join(f" + {name}" for name in used)
    if ignored:
        said += f" ({', '.join(ignored)} set but not used: flags chose)"
    return said


def _reask_mode(flag: str | None, configured: ReaskMode) -> ReaskMode:
    if flag is None:
        return configured
    for mode in REASK_MODES:
        if flag == mode:
            return mode
    raise InputError(f"unknown --reask mode {flag!r}; use {' or '.join(REASK_MODES)}")


def _refuse_empty_choices(
    provider: str | None, model: str | None, profiles: Mapping[str, ProviderProfile]
) -> None:
    """A flag given with nothing in it is a mistake (an unset shell variable, say), never a
    silent fall back to the configured choice."""
    known = ", ".join(sorted(profiles))
    if provider is not None:
        name, slash, inline_model = provider.partition("/")
        if not name.strip():
            raise InputError(
                f"--provider names no profile; pass one of {known}, or NAME/MODEL such as "
                "openai/gpt-5.5, or leave the flag out"
            )
        if slash and not inline_model.strip():
            raise InputError(
                f"--provider {name.strip()[:40]}/ names no model after the /; pass NAME/MODEL "
                f"such as openai/gpt-5.5, or {name.strip()[:40]} alone"
            )
    if model is not None and not model.strip():
        raise InputError("--model is empty; pass a model id, or leave the flag out")


def resolve_judge(
    config: Config, profiles: Mapping[str, ProviderProfile], name: str, profile: ProviderProfile
) -> JudgeSettings | None:
    """The judge's profile: the run's own unless ``[judge] profile`` names another, with
    ``[judge] model`` or else a cheaper model of that provider."""
    options = config.judge
    if options is None:
        return None
    if options.profile is not None:
        if options.profile not in profiles:
            raise InputError(
                f"unknown judge profile {options.profile!r}; known profiles: "
                f"{', '.join(sorted(profiles))} (fix [judge] profile in {CONFIG_NAME})"
            )
        name, profile = options.profile, profiles[options.profile]
    if options.model is None:
        return default_judge(name, profile)
    return JudgeSettings(name, profile.model_copy(update={"model": options.model}))


def default_judge(name: str, profile: ProviderProfile) -> JudgeSettings:
    """Profile ``name`` as a judge, with a cheaper model of its provider (its own model when it
    has a ``base_url``, a server of one's own or a gateway)."""
    model = profile.model if profile.base_url else JUDGE_MODELS[profile.kind]
    return JudgeSettings(name, profile.model_copy(update={"model": model}))


def describe_settings(settings: Settings) -> str:
    """The run's opening line: what it uses, where it sends requests, and why."""
    profile = settings.profile
    url = endpoint_url(profile)
    caution = hosts.warning(url)
    return (
        f"using profile {settings.profile_name} ({profile.kind}, model {profile.model}) at "
        f"{ascii_url(url)}; config: {settings.source}" + (f"; {caution}" if caution else "")
    )


def ignored_variables(environ: Mapping[str, str]) -> list[str]:
    """Variables the vendor SDKs would follow on their own, which specrun does not."""
    return [
        f"{name} is set but not used: requests go only to the profile's base_url "
        f"(set one in {user_config_path(environ)})"
        for name in REROUTING_VARIABLES
        if environ.get(name)
    ]
