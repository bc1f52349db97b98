"""One vendor SDK call, with its failures sorted the way specrun needs them.

An SDK error becomes ``TransientProviderError`` or ``ProviderError`` (retried, or not, by
``specrun.retrying``). Both vendor SDKs share the same exception shapes, so one translation
serves both. What the model answered, readable or not, is the adapter's ``Answer``: whether it
can be used is decided by ``specrun.answers``, not here.
"""

from collections.abc import Callable
from email.utils import parsedate_to_datetime
from time import time
from typing import Any, TypeVar

from specrun.config import ProviderProfile
from specrun.errors import ProviderError
from specrun.providers import TransientProviderError

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
    """What both vendor SDK clients are built with; their own retries are off."""
    return {
        "api_key": api_key,
        "base_url": profile.base_url,
        "timeout": profile.timeout,
        "max_retries": 0,
        "http_client": http_client,
    }


def call_sdk(
    create: Callable[..., T],
    profile: ProviderProfile,
    request_options: dict[str, Any],
    sdk_errors: tuple[type[Exception], ...],
) -> T:
    """One SDK call with the profile's model and temperature, its errors translated."""
    options = {"model": profile.model, **request_options}
    if profile.temperature is not None:
        options["temperature"] = profile.temperature
    try:
        return create(**options)
    except sdk_errors as error:
        raise translate(error) from error
