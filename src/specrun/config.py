"""Configuration: which provider profile ``run`` uses and how.

Read from ``--config FILE``, else ``specrun.toml`` in the target repository, else in the current
directory, else the built-in defaults; a file's profiles are laid over the built-in ones.
``SPECRUN_PROVIDER`` / ``SPECRUN_MODEL`` override the file, and flags override both. Every table
forbids unknown keys, so a typo is an error naming the key. API keys come only from the
environment: a key written into a file is refused, and its value is never echoed.
"""

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from specrun.errors import InputError

CONFIG_NAME = "specrun.toml"
SECRET_KEY = re.compile(r"(api[_-]?key|secret|token|password|credential)$", re.IGNORECASE)


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProviderProfile(Options):
    kind: Literal["anthropic", "openai"]
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    max_tokens: int = Field(default=16000, gt=0)
    temperature: float | None = Field(default=None, ge=0, le=2)
    timeout: float = Field(default=300.0, gt=0, description="Seconds for one request.")
    output: Literal["native", "tool"] = Field(
        default="native",
        description="How the answer is constrained to the schema: the provider's native "
        "structured output, or a strict forced tool.",
    )


class RetryPolicy(Options):
    """Transient faults: retried with exponential backoff that honours Retry-After."""

    max_retries: int = Field(default=5, ge=0)
    max_wait: float = Field(default=60.0, ge=0, description="Seconds of waiting in all.")


BUILT_IN_PROFILES = {
    "anthropic": ProviderProfile(kind="anthropic", model="claude-sonnet-5-5"),
    "openai": ProviderProfile(kind="openai", model="gpt-5.5"),
    "local": ProviderProfile(
        kind="openai", model="qwen2.5:32b", base_url="http://127.0.0.1:11434/v1"
    ),
}


class Config(Options):
    provider: str = "anthropic"
    max_attempts: int = Field(default=3, ge=1)
    retries: RetryPolicy = RetryPolicy()
    providers: dict[str, ProviderProfile] = Field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """What one run uses, once file, environment and flags are combined."""

    profile_name: str
    profile: ProviderProfile
    max_attempts: int
    retries: RetryPolicy
    source: str


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


def read_config(path: Path) -> Config:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"config file {path} does not exist; pass an existing file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"config file {path} cannot be read: {error}; fix the file") from None
    if secrets := _secret_keys(table):
        raise InputError(
            f"config file {path} holds an API key at {', '.join(secrets)}; keys are read only "
            'from environment variables: remove it and set api_key_env = "VARIABLE" instead'
        )
    try:
        return Config.model_validate(table)
    except ValidationError as error:
        raise InputError(f"config file {path} is invalid: {_problems(error)}") from None


def find_config(explicit: Path | None, repo: Path, cwd: Path) -> tuple[Config, str]:
    if explicit is not None:
        return read_config(explicit), str(explicit)
    for folder in (repo, cwd):
        if (folder / CONFIG_NAME).is_file():
            return read_config(folder / CONFIG_NAME), str(folder / CONFIG_NAME)
    return Config(), "built-in defaults"


def resolve_settings(
    config: Config,
    source: str,
    environ: Mapping[str, str],
    provider: str | None = None,
    model: str | None = None,
    max_attempts: int | None = None,
) -> Settings:
    """Flags win over the environment, which wins over the file. ``provider`` may be
    ``NAME/MODEL``, such as ``openai/gpt-4.1``."""
    profiles = {**BUILT_IN_PROFILES, **config.providers}
    chosen = provider or environ.get("SPECRUN_PROVIDER") or config.provider
    name, _, inline_model = chosen.partition("/")
    if name not in profiles:
        raise InputError(
            f"unknown provider {name!r}; known profiles: {', '.join(sorted(profiles))} "
            f"(add [providers.{name}] to {CONFIG_NAME})"
        )
    chosen_model = model or inline_model or environ.get("SPECRUN_MODEL")
    profile = profiles[name]
    if chosen_model:
        profile = profile.model_copy(update={"model": chosen_model})
    attempts = config.max_attempts if max_attempts is None else max_attempts
    if attempts < 1:
        raise InputError("--max-attempts must be at least 1")
    return Settings(name, profile, attempts, config.retries, source)
