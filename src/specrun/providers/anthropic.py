"""Anthropic Messages API adapter, through instructor's TOOLS mode (a forced tool).

The system prompt goes as one text block marked ``cache_control: ephemeral``; it is the same
bytes on every attempt of a run, so re-asks read the binding context from the prompt cache. The
SDK's own retries are off: transient faults are retried by ``specrun.retrying``.
"""

import json
from typing import Any

import anthropic
import instructor

from specrun.config import ProviderProfile
from specrun.providers import Answer, Request, Usage
from specrun.providers.calls import call_instructor, sdk_options


def _raw(completion: Any) -> str:
    for block in getattr(completion, "content", None) or []:
        if getattr(block, "type", None) == "tool_use":
            return json.dumps(block.input, ensure_ascii=False)
    return "".join(getattr(block, "text", "") for block in getattr(completion, "content", []))


def _usage(completion: Any) -> Usage:
    usage = getattr(completion, "usage", None)
    if usage is None:
        return Usage()
    return Usage(
        input_tokens=usage.input_tokens or 0,
        output_tokens=usage.output_tokens or 0,
        cache_read_tokens=getattr(usage, "cache_read_input_tokens", None) or 0,
        cache_write_tokens=getattr(usage, "cache_creation_input_tokens", None) or 0,
    )


class AnthropicProvider:
    def __init__(self, profile: ProviderProfile, api_key: str, http_client: Any = None) -> None:
        self.profile = profile
        sdk = anthropic.Anthropic(**sdk_options(profile, api_key, http_client))
        self.client = instructor.from_anthropic(sdk, mode=instructor.Mode.TOOLS)

    def complete(self, request: Request) -> Answer:
        options = {
            "max_tokens": self.profile.max_tokens,
            "system": [
                {"type": "text", "text": request.system, "cache_control": {"type": "ephemeral"}}
            ],
            "messages": [{"role": turn.role, "content": turn.text} for turn in request.turns],
        }
        return call_instructor(
            self.client,
            self.profile,
            request.response_model,
            options,
            _raw,
            _usage,
            (anthropic.APIError,),
        )
