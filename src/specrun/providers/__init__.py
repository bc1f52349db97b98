"""The provider seam: one method, ``complete(request) -> Answer``.

An adapter turns a provider-neutral ``Request`` (the system prompt, the conversation so far and
the response model its answer must fit) into one call of the vendor SDK, with the response
model's schema as the provider's structured output (``providers.schemas``), and returns the
``Answer``: the raw text the model wrote, the token usage and why it stopped. Reading that text
is not the adapter's business: ``specrun.rules.answers`` does it, the same way for every
provider and for ``specrun check``. Adapters translate SDK failures into
``TransientProviderError`` (worth retrying) or ``ProviderError`` (not). ``ADAPTERS`` maps a
profile's kind to a lazy factory, so the SDKs are imported only when a model is really called.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from specrun.document.model import SpecCandidates, without_lone_surrogates
from specrun.errors import InputError, ProviderError
from specrun.gates.credentials import remember
from specrun.gates.limits import DEFAULT_LIMITS, Limits
from specrun.settings.config import ProviderProfile, endpoint_url, is_vendor_endpoint


@dataclass(frozen=True)
class Turn:
    """One message. Its text is made sendable as it is built: a lone surrogate an answer
    carried (JSON allows ``"\\ud800"``) becomes U+FFFD, which the SDKs can encode, whichever
    request (a re-ask, the judge's) repeats it."""

    role: Literal["user", "assistant"]
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", without_lone_surrogates(self.text))


@dataclass(frozen=True)
class Request:
    """What to ask: ``response_model`` is the schema the answer must fit (the result document,
    or the judge's verdicts). The system prompt is made sendable like a ``Turn``."""

    system: str
    turns: tuple[Turn, ...]
    response_model: type[BaseModel] = SpecCandidates

    def __post_init__(self) -> None:
        object.__setattr__(self, "system", without_lone_surrogates(self.system))


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
        )


TRUNCATED = frozenset({"max_tokens", "length"})
DECLINED = frozenset({"refusal", "content_filter"})
UNREADABLE = "unreadable response"


@dataclass(frozen=True)
class Answer:
    """One model answer as the provider gave it: the text (a refusal's text when the model
    declined), the usage, and the provider's own stop reason (``end_turn``, ``max_tokens``,
    ``stop``, ``length``, ``refusal``, ...). A response that holds no answer where the vendor's
    API puts one has the stop reason ``UNREADABLE`` and the whole body as its text."""

    raw: str
    usage: Usage = field(default_factory=Usage)
    stop_reason: str | None = None

    @property
    def truncated(self) -> bool:
        """Cut off at the output limit."""
        return self.stop_reason in TRUNCATED

    @property
    def declined(self) -> bool:
        """Refused, or withheld by the provider's content filter."""
        return self.stop_reason in DECLINED

    @property
    def unreadable(self) -> bool:
        """No answer where the vendor's API puts one."""
        return self.stop_reason == UNREADABLE


class Provider(Protocol):
    def complete(self, request: Request) -> Answer: ...


class TransientProviderError(ProviderError):
    """A fault worth retrying: rate limit, overload, server error, timeout, dropped connection."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


Factory = Callable[[ProviderProfile, str, Any], Provider]


def _lazy(module: str, name: str) -> Factory:
    def factory(profile: ProviderProfile, api_key: str, http_client: Any = None) -> Provider:
        adapter: Factory = getattr(import_module(module), name)
        return adapter(profile, api_key, http_client)

    return factory


ADAPTERS: dict[str, Factory] = {
    "anthropic": _lazy("specrun.providers.anthropic", "AnthropicProvider"),
    "openai": _lazy("specrun.providers.openai", "OpenAIProvider"),
}
DEFAULT_KEY_VARIABLES = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
KEYLESS = "no-key"


def api_key_for(profile: ProviderProfile, environ: Mapping[str, str]) -> str:
    """The key from the environment. A vendor's default key variable is sent only to that
    vendor's own endpoint; a profile with another ``base_url`` names its variable in
    ``api_key_env`` or goes keyless (OpenAI-compatible servers of one's own)."""
    default = DEFAULT_KEY_VARIABLES[profile.kind] if is_vendor_endpoint(profile) else None
    variable = profile.api_key_env or default
    if variable is None:
        return KEYLESS
    value = environ.get(variable)
    if not value:
        raise InputError(
            f"no API key: set the environment variable {variable} "
            f"(or replay a recording with --cassette FILE)"
        )
    if not all("!" <= character <= "~" for character in value):
        raise InputError(
            f"the value of {variable} is not an API key: it holds a space, line break or other "
            "non-printable character; set the variable again"
        )
    return remember(value)


def build_provider(
    profile: ProviderProfile,
    api_key: str,
    http_client: Any = None,
    name: str = "custom",
    limits: Limits = DEFAULT_LIMITS,
) -> Provider:
    """The adapter for profile ``name``. Its SDK talks through ``http_client`` (an
    ``httpx2.Client``, e.g. to reroute traffic), by default one that gives each request a
    wall-clock deadline of the profile's timeout and decodes each body within
    ``limits.body_bytes`` (``specrun.providers.transport``)."""
    if http_client is None:
        from specrun.providers.transport import DeadlineClient

        http_client = DeadlineClient(
            profile.timeout, name, endpoint_url(profile), limits.body_bytes
        )
    return ADAPTERS[profile.kind](profile, api_key, http_client)


def token_count(value: object) -> int:
    """A token count from the provider's answer: a non-negative int, anything else 0.

    The server is untrusted; a malformed count must not lose an answer already paid for.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return 0
