"""Key values specrun must never print, record or store, and the one function that blanks them.

``scrub`` is called wherever text may carry a key into the open: error lines and ``--debug``
tracebacks (``specrun.cli``), cassettes (``specrun.providers.cassettes``), and messages
quoting a server.
It blanks the keys this process has handed to an SDK (``remember``), the values of the
environment's credential-named variables, and anything shaped like a vendor key. Replacement is
one pass per secret, linear in the text's length.
"""

import os
import re
from collections.abc import Iterable, Mapping

REDACTED = "REDACTED"
KEY_SHAPED = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|sk-ant-[A-Za-z0-9_\-]{8,})")
CREDENTIAL_VARIABLE = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)", re.IGNORECASE)
# Shorter values are too likely to be ordinary words to blank everywhere they occur.
SHORTEST_SECRET = 8

_in_use: set[str] = set()


def remember(value: str) -> str:
    """Mark ``value`` as a key in use, so every later ``scrub`` blanks it; returns it."""
    if len(value) >= SHORTEST_SECRET:
        _in_use.add(value)
    return value


def secret_values(environ: Mapping[str, str], variables: Iterable[str] = ()) -> tuple[str, ...]:
    """The keys in use, the named ``variables`` and every credential-named variable's value,
    longest first so a key containing another is blanked whole."""
    named = {name for name in environ if CREDENTIAL_VARIABLE.search(name)} | set(variables)
    values = {environ[name] for name in named if name in environ} | _in_use
    return tuple(sorted((v for v in values if len(v) >= SHORTEST_SECRET), key=len, reverse=True))


def scrub(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every secret (by default: ``secret_values`` of the process environment)
    and every key-shaped string replaced by ``REDACTED``."""
    for secret in secret_values(os.environ) if secrets is None else secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return KEY_SHAPED.sub(REDACTED, text)


def scrub_bytes(data: bytes, secrets: Iterable[str]) -> bytes:
    """Like ``scrub`` for bytes that need not be UTF-8: the other bytes stay exactly as they
    were, so a recording of them still replays byte for byte."""
    for secret in secrets:
        if secret:
            data = data.replace(secret.encode("utf-8"), REDACTED.encode())
    return re.sub(KEY_SHAPED.pattern.encode(), REDACTED.encode(), data)
