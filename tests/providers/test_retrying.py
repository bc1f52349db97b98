"""Transient faults: backoff honouring Retry-After, bounded in retries and in total waiting."""

import math
import time
from itertools import pairwise

import pytest

from specrun.errors import ProviderError
from specrun.providers import TransientProviderError
from specrun.providers.faults import retry_after_seconds
from specrun.providers.retrying import with_retries
from specrun.settings.config import RetryPolicy


class Flaky:
    def __init__(self, *faults: Exception) -> None:
        self.faults = list(faults)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.faults:
            raise self.faults.pop(0)
        return "answer"


def test_retry_after_is_honoured() -> None:
    waits: list[float] = []
    call = Flaky(TransientProviderError("HTTP 429", retry_after=7.0))
    assert with_retries(call, RetryPolicy(), sleep=waits.append) == "answer"
    assert waits[0] >= 7.0


def test_backoff_grows_exponentially() -> None:
    waits: list[float] = []
    call = Flaky(*(TransientProviderError("HTTP 500") for _ in range(4)))
    with_retries(call, RetryPolicy(), sleep=waits.append)
    assert [wait >= 2**index for index, wait in enumerate(waits)] == [True] * 4
    assert all(later > earlier for earlier, later in pairwise(waits))


def test_gives_up_after_the_retry_bound() -> None:
    call = Flaky(*(TransientProviderError("HTTP 503") for _ in range(10)))
    with pytest.raises(ProviderError, match=r"kept failing \(HTTP 503\) after 3 tries"):
        with_retries(call, RetryPolicy(max_retries=2), sleep=lambda seconds: None)
    assert call.calls == 3


def test_gives_up_when_the_wait_would_exceed_the_total_bound() -> None:
    call = Flaky(TransientProviderError("HTTP 429", retry_after=120.0))
    with pytest.raises(ProviderError):
        with_retries(call, RetryPolicy(max_wait=60), sleep=lambda seconds: None)
    assert call.calls == 1


def test_permanent_errors_are_not_retried() -> None:
    call = Flaky(ProviderError("authentication failed"))
    with pytest.raises(ProviderError, match="authentication failed"):
        with_retries(call, RetryPolicy(), sleep=lambda seconds: None)
    assert call.calls == 1


def test_retry_after_headers_in_seconds_milliseconds_and_dates() -> None:
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_time_spent_in_calls_does_not_count_against_max_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A timed-out call takes the whole timeout (300 s by default): longer than max_wait, yet
    it is still retried, since max_wait bounds the waiting between tries."""
    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    def timing_out() -> str:
        clock[0] += 300.0
        return call()

    call = Flaky(TransientProviderError("timed out"), TransientProviderError("timed out"))
    waits: list[float] = []
    assert with_retries(timing_out, RetryPolicy(max_wait=60), sleep=waits.append) == "answer"
    assert call.calls == 3
    assert len(waits) == 2


def test_max_wait_bounds_the_sum_of_waits() -> None:
    call = Flaky(*(TransientProviderError("HTTP 503") for _ in range(10)))
    waits: list[float] = []
    with pytest.raises(ProviderError, match=r"after \d tries and \d+s of waiting"):
        with_retries(call, RetryPolicy(max_retries=10, max_wait=10), sleep=waits.append)
    assert sum(waits) <= 10
    assert len(waits) >= 2


@pytest.mark.parametrize("asked", [math.nan, math.inf, -math.inf, -5.0])
def test_nonsense_retry_after_falls_back_to_backoff(asked: float) -> None:
    waits: list[float] = []
    call = Flaky(TransientProviderError("HTTP 429", retry_after=asked))
    assert with_retries(call, RetryPolicy(), sleep=waits.append) == "answer"
    assert len(waits) == 1
    assert 0 < waits[0] <= 3


def test_a_huge_retry_after_gives_up_without_waiting() -> None:
    waits: list[float] = []
    call = Flaky(TransientProviderError("HTTP 429", retry_after=1e300))
    with pytest.raises(ProviderError, match=r"it asked to wait \d+s, beyond \[retries\] max_wait"):
        with_retries(call, RetryPolicy(), sleep=waits.append)
    assert waits == []
