"""One vendor SDK call, with its failures sorted the way specrun needs them.

An SDK error becomes ``TransientProviderError`` or ``ProviderError`` (retried, or not, by
``specrun.providers.retrying``); ``specrun.providers.faults`` tells the faults apart. What the model
answered, readable or not, is the adapter's ``Answer``: whether it can be used is decided by
``specrun.rules.answers``, not here. A 2xx response the adapter cannot read (a body that is
not JSON,
or JSON of another shape: the SDKs build their objects without validating) is an ``Answer``
too, holding the whole body as the server sent it, so the run record keeps it.
"""

import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from specrun.providers import UNREADABLE, Answer, Usage
from specrun.providers.faults import translate
from specrun.providers.transport import DeadlineClient
from specrun.settings.config import ProviderProfile, endpoint_url

T = TypeVar("T")


def sdk_options(profile: ProviderProfile, api_key: str, http_client: Any) -> dict[str, Any]:
    """What both vendor SDK clients are built with: the endpoint always explicit (the SDKs
    would otherwise follow ``*_BASE_URL`` variables), their own retries off, and by default
    specrun's HTTP client (a deadline per request, no redirects)."""
    return {
        "api_key": api_key,
        "base_url": endpoint_url(profile),
        "timeout": profile.timeout,
        "max_retries": 0,
        "http_client": http_client
        if http_client is not None
        else DeadlineClient(profile.timeout, None, endpoint_url(profile)),
    }


def call_sdk(
    create: Callable[..., T],
    profile: ProviderProfile,
    request_options: dict[str, Any],
    sdk_errors: tuple[type[Exception], ...],
) -> T | str:
    """One SDK call with the profile's model and temperature, its errors translated; a body the
    SDK could not decode comes back as its text. Newer SDK releases wrap only their HTTP
    library's errors, so the transport's own (a refused connection, a passed deadline) can
    arrive unwrapped and are translated here too."""
    options = {"model": profile.model, **request_options}
    if profile.temperature is not None:
        options["temperature"] = profile.temperature
    faults: tuple[type[Exception], ...] = (ConnectionError, TimeoutError, *sdk_errors)
    try:
        return create(**options)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return undecoded_body(error)
    except faults as error:
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
