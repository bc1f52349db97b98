"""The exception chain walk that finds what really failed beneath an SDK's wrapping."""

from specrun.errors import causes


def test_causes_walk_cause_then_context_each_once() -> None:
    root = ConnectionRefusedError("refused")
    wrapped = OSError("connect failed")
    wrapped.__cause__ = root
    outer = RuntimeError("request failed")
    outer.__context__ = wrapped
    assert list(causes(outer)) == [outer, wrapped, root]


def test_a_chain_that_loops_ends() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__cause__, second.__cause__ = second, first
    assert list(causes(first)) == [first, second]
