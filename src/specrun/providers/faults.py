"""Provider faults told apart: what failed, where, and whether trying again can help.

``translate`` turns a vendor SDK error into specrun's own, once, at the provider boundary:

    SDK error
    ├── a specrun error raised      itself, e.g. ``RedirectRefused`` from the transport's hook
    │   inside the transport
    ├── connection refused          ProviderError: "cannot connect to URL (profile P): is the
    │                               server running?" (no retries: nothing listens there)
    ├── per-attempt deadline        TransientProviderError naming the deadline (see transport)
    ├── other transport failure     TransientProviderError (timeouts, dropped connections)
    ├── 408, 409, 429, 5xx          TransientProviderError carrying the server's Retry-After
    ├── 401, 403                    ProviderError; the server's text is dropped, since some
    │                               providers echo part of the key in it
    ├── other 4xx                   ProviderError with the server's own message, one line,
    │                               key-shaped text redacted
    └── a 2xx the SDK cannot read   ProviderError

Both vendor SDKs raise the same shapes (``status_code``, ``body``, ``response``, ``request``,
the transport error as ``__cause__``), so one translation serves both. The server is untrusted
input: its message is trimmed to one printable line of bounded length before it is shown.
"""

import math
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from time import time
from typing import Any
from urllib.parse import urlsplit

from specrun.errors import ProviderError, causes
from specrun.gates.credentials import REDACTED, scrub
from specrun.gates.terminal import escape
from specrun.providers import TransientProviderError
from specrun.settings.hosts import origin

RETRYABLE_STATUS = frozenset({408, 409, 429})
MESSAGE_LIMIT = 300
KEY_SHAPED = re.compile(
    r"(?i)\b(?:sk|pk|rk|key|api[_-]?key)[-_][\w\-.*]{6,}"  # sk-proj-..., key-...
    r"|\bbearer\s+\S+"  # an echoed Authorization header
    r"|[\w\-]*\*{3,}[\w\-*]*"  # a masked key: sk-pr****abcd
    r"|\b[A-Za-z0-9_]{32,}\b"  # long opaque tokens
)


@dataclass(frozen=True)
class Endpoint:
    """Where a profile sends its requests, to name in errors (``profile`` None: unnamed)."""

    profile: str | None
    url: str


class Refused(ConnectionError):
    """A connection to ``endpoint`` was refused: nothing listens there."""

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__(f"connection to {endpoint.url} refused")
        self.endpoint = endpoint


class DeadlineExceeded(TimeoutError):
    """An attempt outlived its wall-clock deadline (see ``specrun.providers.transport``)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"no complete answer within the {seconds:g}s deadline (the profile's timeout)"
        )
        self.seconds = seconds


def _finite_seconds(value: str) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def retry_after_seconds(headers: Any) -> float | None:
    """The server's requested delay from ``retry-after-ms`` or ``retry-after``: seconds or an
    HTTP date. Nonsense (``nan``, ``inf``, negative, unparseable) counts as not asked."""
    if headers is None:
        return None
    if (milliseconds := headers.get("retry-after-ms")) and (
        seconds := _finite_seconds(milliseconds)
    ) is not None:
        return seconds / 1000
    value = headers.get("retry-after")
    if not value:
        return None
    if (seconds := _finite_seconds(value)) is not None:
        return seconds
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError, OverflowError):
        return None


def redact(text: str) -> str:
    """``text`` without the keys in use (``credentials.scrub``: every key handed to an SDK is
    remembered there) or anything shaped like a key. The broader patterns here scan only the
    first characters that could be shown, so their cost stays bounded on any input."""
    return KEY_SHAPED.sub(REDACTED, scrub(text)[: MESSAGE_LIMIT * 4])


def one_line(text: str) -> str:
    """Untrusted text as one printable line of bounded length: white space becomes spaces, any
    other character that does not print is shown as its escape (``\\x1b``), never dropped."""
    printable = "".join(
        char if char.isprintable() else " " if char.isspace() else escape(char)
        for char in text[: MESSAGE_LIMIT * 4]
    )
    line = " ".join(printable.split())
    return line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 1] + "…"


def server_message(error: Exception) -> str | None:
    """What the server said, from the usual error bodies: OpenAI's and Anthropic's
    ``{"error": {"message": ...}}``, Ollama's ``{"error": "..."}``, ``{"detail": ...}``."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        said = inner.get("message") if isinstance(inner, dict) else inner
        said = said or body.get("detail") or body.get("message")
    else:
        said = body
    if not isinstance(said, str) or not said.strip():
        return None
    return one_line(redact(said))


def _origin(error: Exception) -> str:
    url = getattr(getattr(error, "request", None), "url", None)
    return shown_url(str(url)) if url else "the provider"


def shown_url(url: str) -> str:
    """``url`` without credentials a user may have put into it (userinfo, query, fragment), its
    host in ASCII form (``settings.hosts``)."""
    return origin(url) + urlsplit(url).path


def _transport_fault(error: Exception) -> ProviderError:
    for cause in causes(error):
        if isinstance(cause, ProviderError):
            return cause
        if isinstance(cause, Refused):
            where = cause.endpoint
            named = f" (profile {where.profile})" if where.profile else ""
            return ProviderError(
                f"cannot connect to {shown_url(where.url)}{named}: is the server running?"
            )
        if isinstance(cause, ConnectionRefusedError):
            return ProviderError(f"cannot connect to {_origin(error)}: is the server running?")
        if isinstance(cause, DeadlineExceeded):
            return TransientProviderError(str(cause))
    return TransientProviderError(f"could not reach the provider ({type(error).__name__})")


def translate(error: Exception) -> ProviderError:
    """An SDK error as specrun's error."""
    status = getattr(error, "status_code", None)
    if not isinstance(status, int):
        return _transport_fault(error)
    said = server_message(error)
    detail = f"HTTP {status}: {said}" if said else f"HTTP {status}, {type(error).__name__}"
    if status in RETRYABLE_STATUS or status >= 500:
        headers = getattr(getattr(error, "response", None), "headers", None)
        return TransientProviderError(detail, retry_after_seconds(headers))
    if status < 400:
        return ProviderError(f"the provider's response could not be read ({detail})")
    if status in (401, 403):
        return ProviderError(
            f"authentication failed (HTTP {status}); check the API key in the environment"
        )
    return ProviderError(f"the provider refused the request ({detail})")
