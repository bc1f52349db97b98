"""Hosts as specrun shows them, and hosts made to look like a vendor's.

A ``base_url`` may name its host in any script: ``api.anthropic.com`` written with a Cyrillic
``a`` (U+0430) reads exactly like the vendor's host but is someone else's. So every host
specrun shows (``trust``, the run's first line, the judge line, errors) is shown in its ASCII
form, punycode for a non-ASCII label (``xn--pi-6kc.anthropic.com``), by ``ascii_url``.

``lookalike`` says why a host that is not a vendor's own resembles one: a label that mixes
scripts, a name whose skeleton (punycode decoded, confusable letters folded to the Latin ones
they imitate) is a vendor host or within two edits of one, or a vendor host used as a prefix
(``api.openai.com.example.net``). ``trust`` and the run's first line print that warning.
Whatever it says, a vendor's default key goes only to the vendor's exact host
(``config.is_vendor_endpoint``), never to a look-alike.
"""

import unicodedata
from urllib.parse import urlsplit

VENDOR_HOSTS = ("api.anthropic.com", "api.openai.com")
MOST_EDITS = 2
# Letters of other scripts that render like Latin ones (from Unicode's confusables), and the
# digits and pairs that pass for letters in a host name.
CONFUSABLES = str.maketrans(
    "\u0430\u0432\u0435\u043a\u043c\u043d\u043e\u0440\u0441\u0442"
    "\u0443\u0445\u0456\u0458\u0455\u0501\u04cf\u051b\u051d\u0251"
    "\u03b1\u03b2\u03b5\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7\u013101",
    "abekmhopctyxijsdlqwaabeikvoptuxiol",
)


def ascii_host(host: str) -> str:
    """``host`` with each non-ASCII label in punycode (``xn--…``), as a resolver sees it."""
    labels = []
    for label in host.split("."):
        if label.isascii():
            labels.append(label)
            continue
        try:
            labels.append(label.encode("idna").decode("ascii"))
        except UnicodeError:
            labels.append("xn--" + label.encode("punycode").decode("ascii"))
    return ".".join(labels)


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, its host in ASCII form."""
    parts = urlsplit(url)
    host = ascii_host(parts.hostname or "")
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{parts.port}" if parts.port else "")


def ascii_url(url: str) -> str:
    """``url`` with its host in ASCII form, the rest as written."""
    parts = urlsplit(url)
    return origin(url) + url[len(f"{parts.scheme}://{parts.netloc}") :]


def _script(character: str) -> str:
    """The script a letter belongs to, by the first word of its Unicode name."""
    return unicodedata.name(character, "UNKNOWN").split(" ", 1)[0]


def _mixes_scripts(label: str) -> bool:
    return len({_script(c) for c in label if c.isalpha()}) > 1


def _edits(first: str, second: str, most: int) -> int:
    """Levenshtein distance, or ``most + 1`` once it is certainly larger than ``most``."""
    if abs(len(first) - len(second)) > most:
        return most + 1
    previous = list(range(len(second) + 1))
    for row, left in enumerate(first, start=1):
        current = [row]
        for column, right in enumerate(second, start=1):
            current.append(
                min(previous[column] + 1, current[-1] + 1, previous[column - 1] + (left != right))
            )
        if min(current) > most:
            return most + 1
        previous = current
    return previous[-1]


def skeleton(host: str) -> str:
    """The host with compatibility forms, case and confusable letters folded (``rn`` as ``m``,
    as it reads)."""
    folded = unicodedata.normalize("NFKC", host).casefold().translate(CONFUSABLES)
    return folded.replace("rn", "m")


def unicode_host(host: str) -> str:
    """``host`` with each punycode label (``xn--…``) decoded, as a reader would see it."""
    labels = []
    for label in host.split("."):
        try:
            labels.append(label.encode("ascii").decode("idna") if label[:4] == "xn--" else label)
        except UnicodeError:
            labels.append(label)
    return ".".join(labels)


def lookalike(url: str) -> str | None:
    """Why the host of ``url`` could be taken for a vendor's, or None when it could not (or is
    the vendor's own)."""
    written = (urlsplit(url).hostname or "").rstrip(".")
    if written in VENDOR_HOSTS:
        return None
    shown, host = ascii_host(written), unicode_host(written)
    if any(_mixes_scripts(label) for label in host.split(".")):
        return f"the host {shown} mixes scripts"
    folded = skeleton(host)
    for vendor in VENDOR_HOSTS:
        if folded.startswith(vendor + "."):
            return f"the host {shown} begins with the vendor host {vendor}"
        if _edits(folded, skeleton(vendor), MOST_EDITS) <= MOST_EDITS:
            return f"the host {shown} looks like the vendor host {vendor}"
    return None


def warning(url: str) -> str | None:
    """The warning ``trust`` and the run's first line give for a look-alike host."""
    if (reason := lookalike(url)) is None:
        return None
    return f"warning: {reason}, but it is not the vendor's; no vendor default key is sent to it"
