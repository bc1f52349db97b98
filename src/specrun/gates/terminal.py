"""What reaches the user's terminal: progress lines, reported as they happen."""

from collections.abc import Callable

Report = Callable[[str], None]
