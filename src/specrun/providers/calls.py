"""One vendor SDK call, with its failures sorted the way specrun needs them.

An SDK error becomes ``TransientProviderError`` or ``ProviderError`` (retried, or not, by
``specrun.retrying``). Both vendor SDKs share the same exception shapes, so one translation
serves both. What the model answered, readable or not, is the adapter's ``Answer``: whether it
can be used is decided by ``specrun.answers``, not here. A 2xx response the adapter cannot read
(a body that is not JSON, or JSON of another shape: the SDKs build their objects without
validating) is an ``Answer`` too, holding the whole body as the server sent it, so the run
record keeps it.
"""

import json
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from time import time
from typing import Any, TypeVar

from pydantic import BaseModel

from specrun.config import ProviderProfile, endpoint_url
from specrun.errors import ProviderError
from specrun.providers import UNREADABLE, Answer, TransientProviderError, Usage
from specrun.providers.transport import RedirectRefused, unredirected_client

RETRYABLE_STATUS = frozenset({408, 409, 429})
T = TypeVar("T")


def retry_after_seconds(headers: Any) -> float | None:
    """The server's requested delay from ``retry-after-ms`` or ``retry-after``."""
    if headers is None:
        return None
    if milliseconds := headers.get("retry-after-ms"):
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time())
        except (TypeError, ValueError):
            return None


def translate(error: Exception) -> ProviderError:
    """An SDK error as specrun's error. Provider messages about keys are dropped, since some
    echo part of the key."""
    if isinstance(error.__cause__, RedirectRefused):
        return error.__cause__
    status = getattr(error, "status_code", None)
    if status is None:
        return TransientProviderError(f"could not reach the provider ({type(error).__name__})")
    response = getattr(error, "response", None)
    retry_after = retry_after_seconds(getattr(response, "headers", None))
    if status in RETRYABLE_STATUS or status >= 500:
        return TransientProviderError(f"HTTP {status} ({type(error).__name__})", retry_after)
    if status in (401, 403):
        return ProviderError(
            f"authentication failed (HTTP {status}); check the API key in the environment"
        )
    return ProviderError(
        f"the provider refused the request (HTTP {status}, {type(error).__name__})"
    )


def sdk_options(profile: ProviderProfile, api_key: str, http_client: Any) -> dict[str, Any]:
    """What both vendor SDK clients are built with: the endpoint always explicit (the SDKs
    would otherwise follow ``*_BASE_URL`` variables), no redirects, their own retries off."""
    return {
        "api_key": api_key,
        "base_url": endpoint_url(profile),
        "timeout": profile.timeout,
        "max_retries": 0,
        "http_client": http_client if http_client is not None else unredirected_client(),
    }


def call_sdk(
    create: Callable[..., T],
    profile: ProviderProfile,
    request_options: dict[str, Any],
    sdk_errors: tuple[type[Exception], ...],
) -> T | str:
    """One SDK call with the profile's model and temperature, its errors translated; a body the
    SDK could not decode comes back as its text."""
    options = {"model": profile.model, **request_options}
    if profile.temperature is not None:
        options["temperature"] = profile.temperature
    try:
        return create(**options)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return undecoded_body(error)
    except sdk_errors as error:
        raise translate(error) from error


def undecoded_body(error: json.JSONDecodeError | UnicodeDecodeError) -> str:
    """The body the SDK failed to decode; bytes that are not UTF-8 as backslash escapes."""
    if isinstance(error, json.JSONDecodeError):
        return error.doc
    return bytes(error.object).decode("utf-8", "backslashreplace")


def unreadable(response: object) -> Answer:
    """A response with no answer where the vendor's API puts one, kept whole: a text body, or
    the object the SDK built with every field it was sent."""
    if isinstance(response, str):
        body = response
    elif isinstance(response, BaseModel):
        body = response.model_dump_json(warnings=False)
    else:
        body = json.dumps(response, ensure_ascii=False, default=str)
    return Answer(body, Usage(), UNREADABLE)
