"""What reaches the terminal: untrusted text with its control and bidi characters escaped."""

import pytest

from specrun.gates.terminal import shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words, Grüße \U0001f600", "plain words, Grüße \U0001f600"),
        ("clear\x1b[2Jscreen", "clear\\x1b[2Jscreen"),
        ("abc\u202edef", "abc\\u202edef"),
        ("line\nbreak\r", "line\\nbreak\\r"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
    ],
)
def test_what_a_terminal_would_obey_is_escaped(text: str, expected: str) -> None:
    assert shown(text) == expected


def test_line_breaks_may_be_kept() -> None:
    assert shown("one\ntwo\x07", keep_newlines=True) == "one\ntwo\\x07"
