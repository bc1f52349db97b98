"""Progress while a model writes: a live line on a terminal, one plain line in a log.

An answer to the spec-candidates prompt takes minutes, so a run that said nothing meanwhile
would look hung. On a terminal ``waiting`` keeps one line current (what is awaited and the
seconds so far), redrawn with a carriage return and cleared when the answer arrives; it writes
no escape sequences and no colour, so ``NO_COLOR`` holds. Off a terminal, or with
``TERM=dumb``, it writes one line when the request starts, so a pipe or a CI log never gets a
spinner.
"""

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TextIO

Waiting = Callable[[str], AbstractContextManager[None]]
REDRAW_SECONDS = 1.0


def is_live(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Can ``stream`` take a line that is redrawn in place?"""
    try:
        return stream.isatty() and environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):
        return False


@contextmanager
def waiting(what: str, stream: TextIO, live: bool, every: float = REDRAW_SECONDS) -> Iterator[None]:
    """Show ``what`` is awaited for as long as the block runs."""
    if not live:
        stream.write(f"{what} …\n")
        stream.flush()
        yield
        return
    started = time.monotonic()
    stop = threading.Event()
    width = 0

    def draw() -> None:
        nonlocal width
        line = f"{what} … {time.monotonic() - started:.0f}s"
        stream.write("\r" + line.ljust(width))
        stream.flush()
        width = max(width, len(line))

    def redraw() -> None:
        while not stop.wait(every):
            draw()

    draw()
    ticker = threading.Thread(target=redraw, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()
        stream.write("\r" + " " * width + "\r")
        stream.flush()
