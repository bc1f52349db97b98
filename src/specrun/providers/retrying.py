"""Transient provider faults, retried apart from the re-ask loop.

A 429, 5xx, overload, timeout or dropped connection says nothing about the answer, so it never
uses up an attempt and never reaches the model as feedback. tenacity retries it with exponential
backoff and jitter, waiting at least as long as the server's Retry-After asks. Two bounds end the
retrying: ``max_retries`` tries after the first, and ``max_wait`` seconds of waiting between tries
in all (time spent inside calls does not count: each call is bounded by the profile's timeout).
Anything else is raised at once.
"""

import math
import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from specrun.errors import ProviderError
from specrun.providers import TransientProviderError
from specrun.settings.config import RetryPolicy

T = TypeVar("T")
BACKOFF = wait_exponential_jitter(initial=1, max=20, jitter=1)


def _asked(state: RetryCallState) -> float:
    """The server's Retry-After, when it is a sane number of seconds."""
    error = state.outcome.exception() if state.outcome else None
    asked = getattr(error, "retry_after", None)
    if not isinstance(asked, float | int) or not math.isfinite(asked) or asked < 0:
        return 0.0
    return float(asked)


def _wait(state: RetryCallState) -> float:
    """Backoff, stretched to the server's Retry-After when it asks for longer."""
    return max(_asked(state), BACKOFF(state))


class stop_after_waiting(stop_base):
    """Stop before the waiting between tries would pass ``max_wait`` seconds in all."""

    def __init__(self, max_wait: float) -> None:
        self.max_wait = max_wait

    def __call__(self, state: RetryCallState) -> bool:
        return state.idle_for + state.upcoming_sleep > self.max_wait


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
        stop=stop_after_attempt(policy.max_retries + 1) | stop_after_waiting(policy.max_wait),
        wait=_wait,
        sleep=sleep,
        before_sleep=report,
        reraise=True,
    )
    try:
        return retrying(call)
    except TransientProviderError as error:
        tries = retrying.statistics.get("attempt_number", 1)
        waited = retrying.statistics.get("idle_for", 0.0)
        asked = error.retry_after
        beyond = (
            f"; it asked to wait {asked:.0f}s, beyond [retries] max_wait = {policy.max_wait:g}"
            if asked is not None and math.isfinite(asked) and waited + asked > policy.max_wait
            else ""
        )
        tried = f"{tries} {'try' if tries == 1 else 'tries'}"
        raise ProviderError(
            f"the provider kept failing ({error}) after {tried} and {waited:.0f}s of waiting"
            f"{beyond}; try again later"
        ) from error
