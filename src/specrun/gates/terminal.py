"""What reaches the user's terminal: progress lines, reported as they happen, and ``shown``,
which escapes the characters of untrusted text that a terminal would obey rather than print."""

import unicodedata
from collections.abc import Callable

Report = Callable[[str], None]

# Bidirectional controls reorder what a reader sees; they are format characters (Cf).
_OBEYED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def shown(text: str, keep_newlines: bool = False) -> str:
    """``text`` with every control, bidi or other format character written as its escape
    (``\\x1b``, ``\\u202e``); a line break kept when ``keep_newlines``."""
    if text.isprintable():
        return text
    return "".join(
        character
        if (keep_newlines and character == "\n") or unicodedata.category(character) not in _OBEYED
        else character.encode("unicode_escape").decode("ascii")
        for character in text
    )
