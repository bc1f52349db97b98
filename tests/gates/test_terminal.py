"""The one sanitiser of what reaches the terminal."""

import json

import pytest

from specrun.gates.terminal import json_escaped, shown, unseen, visible

HOSTILE = {
    "\x1b[2J": "\\x1b[2J",
    "\x1b[1A\x1b[2K": "\\x1b[1A\\x1b[2K",
    "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07": "\\x1b]8;;https://evil.example\\x07link",
    "\x1b]0;title\x07": "\\x1b]0;title\\x07",
    "\x1b]52;c;cGF5bG9hZA==\x07": "\\x1b]52;c;cGF5bG9hZA==\\x07",
    "\u202eevil": "U+202Eevil",
    "\u2066x\u2069": "U+2066xU+2069",
    "over\rwrite": "over\\x0dwrite",
    "nul\x00": "nul\\x00",
    "c1\x9b2J": "c1\\x9b2J",
    "del\x7f": "del\\x7f",
}


def test_every_control_and_bidi_character_is_shown_never_dropped() -> None:
    for hostile, seen in HOSTILE.items():
        result = visible(hostile)
        assert result.startswith(seen)
        assert unseen(result) is None


def test_line_breaks_and_tabs_stay_in_text_and_are_shown_in_a_line() -> None:
    assert visible("a\n\tb") == "a\n\tb"
    assert visible("a\n\tb", one_line=True) == "a\\x0a\\x09b"
    assert visible("Zürich — ok ✓") == "Zürich — ok ✓"


def test_shown_blanks_keys_too() -> None:
    assert shown("sk-ant-api03-abcdefgh\x1b[2J") == "REDACTED\\x1b[2J"


def test_json_stays_the_same_json_with_nothing_for_a_terminal() -> None:
    data = {"text": "a\u202eb\x85c\x7f"}
    text = json_escaped(json.dumps(data, ensure_ascii=False))
    assert unseen(text) is None
    assert json.loads(text) == data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words, Grüße \U0001f600", "plain words, Grüße \U0001f600"),
        ("clear\x1b[2Jscreen", "clear\\x1b[2Jscreen"),
        ("abc\u202edef", "abcU+202Edef"),
        ("line\nbreak\r", "line\\x0abreak\\x0d"),
        ("lone \ud800 surrogate", "lone U+D800 surrogate"),
    ],
)
def test_what_a_terminal_would_obey_is_escaped_on_one_line(text: str, expected: str) -> None:
    assert shown(text, one_line=True) == expected


def test_line_breaks_are_kept_unless_one_line_is_asked() -> None:
    assert shown("one\ntwo\x07") == "one\ntwo\\x07"
