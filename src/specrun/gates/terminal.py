"""What reaches the user's terminal: progress lines, reported as they happen, and the one
sanitiser every printed string passes.

Answers, evidence, a repository's files and config values, and servers' messages are untrusted,
and a terminal acts on what they may hold: CSI sequences erase lines and forge status lines, OSC
sequences set titles, make links or write the clipboard, CR and backspace overwrite what was
printed, bidirectional-text controls (U+202E) reorder it. ``visible`` shows each such character
as its escape (``\\x1b``, ``U+202E``) instead, so nothing is stripped silently and the output
still says what was there. ``shown`` is what the command line writes: keys blanked
(``credentials.scrub``), then ``visible``; ``specrun.cli.show`` is the only place that prints,
and ``tests/test_cli.py`` holds it to that. ``json_escaped`` gives JSON output the same
guarantee in JSON's own notation (``\\u202e``), so it stays valid JSON.

The same characters make an answer unusable (``rules.structure.check_characters``): a valid
result never holds them, whether it is printed or written with ``--out``.
"""

import re
from collections.abc import Callable

from specrun.gates.credentials import scrub

Report = Callable[[str], None]

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# A lone surrogate cannot be encoded for the terminal at all.
SURROGATES = "\ud800-\udfff"
UNSEEN = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")
UNPRINTABLE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}{SURROGATES}]")
UNSEEN_IN_LINE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}{SURROGATES}]")


def escape(character: str) -> str:
    """One control or bidi character as it is shown: ``\\x1b`` for the C0 and C1 controls and
    DEL, ``U+202E`` for the others."""
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"U+{code:04X}"


def visible(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control character but line break and tab, and every bidi control,
    shown as its escape; with ``one_line``, line breaks and tabs too. Linear in the text."""
    pattern = UNSEEN_IN_LINE if one_line else UNPRINTABLE
    return pattern.sub(lambda found: escape(found.group()), text)


def shown(text: str, *, one_line: bool = False) -> str:
    """``text`` as the command line prints it: keys blanked, control characters visible."""
    return visible(scrub(text), one_line=one_line)


def unseen(text: str) -> re.Match[str] | None:
    """The first character ``visible`` would escape, if any."""
    return UNSEEN.search(text)


def json_escaped(text: str) -> str:
    """JSON text (as ``json.dumps(..., ensure_ascii=False)`` writes it) with the characters
    ``visible`` escapes written as JSON escapes (``\\u202e``): still the same JSON, and nothing
    left for a terminal to act on. Such characters can only stand inside JSON strings."""
    return UNSEEN.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
