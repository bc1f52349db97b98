"""Transient provider faults, retried apart from the re-ask loop.

A 429, 5xx, overload, timeout or dropped connection says nothing about the answer, so it never
uses up an attempt and never reaches the model as feedback. tenacity retries it with exponential
backoff and jitter, waiting at least as long as the server's Retry-After asks, within the
policy's bounds on retries and on total waiting. Anything else is raised at once.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from specrun.config import RetryPolicy
from specrun.errors import ProviderError
from specrun.providers import TransientProviderError

T = TypeVar("T")
BACKOFF = wait_exponential_jitter(initial=1, max=20, jitter=1)


def _wait(state: RetryCallState) -> float:
    """Backoff, stretched to the server's Retry-After when it asks for longer."""
    error = state.outcome.exception() if state.outcome else None
    asked = getattr(error, "retry_after", None) or 0.0
    return max(float(asked), BACKOFF(state))


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    on_retry: Callable[[TransientProviderError, float], None] = lambda error, wait: None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    def report(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, TransientProviderError) and state.next_action is not None:
            on_retry(error, state.next_action.sleep)

    retrying = Retrying(
        retry=retry_if_exception_type(TransientProviderError),
        stop=stop_after_attempt(policy.max_retries + 1) | stop_before_delay(policy.max_wait),
        wait=_wait,
        sleep=sleep,
        before_sleep=report,
        reraise=True,
    )
    try:
        return retrying(call)
    except TransientProviderError as error:
        tries = retrying.statistics.get("attempt_number", 1)
        raise ProviderError(
            f"the provider kept failing ({error}) after {tries} tries; try again later"
        ) from error
