"""The failures specrun reports, each mapped to one exit code by the CLI.

    SpecrunError
    ├── InputError      exit 2: bad flag, file, config, key or cassette; fix the input and rerun
    ├── InvalidResult   exit 1: the result breaks the schema or the rules
    └── ProviderError   exit 3: the model service failed (auth, network, retries exhausted)

Every message is one line that names the problem and, where there is one, the fix.
``causes`` walks the chain of exceptions an SDK or library wrapped, to find what really failed.
"""

from collections.abc import Iterator


class SpecrunError(Exception):
    exit_code = 1


class InputError(SpecrunError):
    exit_code = 2


class InvalidResult(SpecrunError):
    exit_code = 1


class ProviderError(SpecrunError):
    exit_code = 3


def causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and each exception it wraps, through ``__cause__`` or ``__context__``, each
    once (a chain may loop)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
