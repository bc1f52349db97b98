"""One instructor call, with its failures sorted the way specrun needs them.

instructor's retry loop treats API errors and unreadable answers alike. specrun asks it for a
single attempt (``max_retries=0``) and sorts what comes back: an unreadable or truncated answer
is an ``Answer`` with a ``problem`` (a failed attempt, re-asked by ``specrun.reask``); an SDK error
becomes ``TransientProviderError`` or ``ProviderError`` (retried, or not, by
``specrun.retrying``); ``specrun.providers.faults`` tells the faults apart.
"""

import json
import logging
from collections.abc import Callable
from typing import Any

from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel

from specrun.config import ProviderProfile, endpoint_url
from specrun.providers import Answer, Usage
from specrun.providers.faults import translate
from specrun.providers.transport import DeadlineClient

# instructor logs each failed call; specrun reports them itself, once.
logging.getLogger("instructor").addHandler(logging.NullHandler())
logging.getLogger("instructor").propagate = False


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


def kept_body(raw: Callable[[Any], str], completion: Any, cause: BaseException | None) -> str:
    """What the model wrote; when that is empty, the whole response as the SDK received it (a
    text body, the parsed object with every field, or the body that failed to parse), so an
    unreadable answer is kept. Bytes that are not UTF-8 are kept as backslash escapes."""
    if isinstance(cause, json.JSONDecodeError):
        return cause.doc
    if isinstance(cause, UnicodeDecodeError):
        return bytes(cause.object).decode("utf-8", "backslashreplace")
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    text = raw(completion)
    if text or not isinstance(completion, BaseModel):
        return text
    return completion.model_dump_json()


def call_instructor(
    client: Any,
    profile: ProviderProfile,
    response_model: type[BaseModel],
    request_options: dict[str, Any],
    raw: Callable[[Any], str],
    usage: Callable[[Any], Usage],
    sdk_errors: tuple[type[Exception], ...],
) -> Answer:
    """One attempt through instructor: ``raw`` and ``usage`` read the vendor's completion."""
    options = {"model": profile.model, **request_options}
    if profile.temperature is not None:
        options["temperature"] = profile.temperature
    try:
        document, completion = client.create_with_completion(
            response_model=response_model, max_retries=0, **options
        )
    except IncompleteOutputException as error:
        completion = error.last_completion
        return Answer(
            raw(completion), None, "the answer was cut off at max_tokens", usage(completion)
        )
    except InstructorRetryException as error:
        cause = error.__cause__
        if isinstance(cause, sdk_errors):
            raise translate(cause) from cause
        completion = error.last_completion
        reason = str(cause or error).strip().splitlines()[0]
        return Answer(
            kept_body(raw, completion, cause),
            None,
            f"the answer could not be read as {response_model.__name__} ({reason})",
            usage(completion) if isinstance(completion, BaseModel) else Usage(),
        )
    except sdk_errors as error:
        raise translate(error) from error
    return Answer(raw(completion), document, None, usage(completion))
