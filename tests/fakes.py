"""A scripted provider for unit tests of the re-ask loop: answers, or faults, from a queue."""

import json
from typing import Any

from specrun.providers import Answer, Request, Usage

ScriptItem = dict[str, Any] | str | Answer | BaseException


class ScriptedProvider:
    """Each ``complete`` takes the next item: a document (dict), any other answer text (str), a
    ready ``Answer``, or an exception to raise. Every request is kept for inspection."""

    def __init__(self, *script: ScriptItem) -> None:
        self.script = list(script)
        self.requests: list[Request] = []

    def complete(self, request: Request) -> Answer:
        self.requests.append(request)
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, Answer):
            return item
        if isinstance(item, dict):
            usage = Usage(input_tokens=100, output_tokens=50, cache_read_tokens=80)
            return Answer(json.dumps(item), usage, "end_turn")
        return Answer(item, Usage(), "end_turn")
