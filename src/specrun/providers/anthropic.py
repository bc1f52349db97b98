"""Anthropic Messages API adapter, with the response model as a structured output.

``output = "native"`` (the default) sends the schema as ``output_config.format``, so Claude's
decoding is constrained to it and the answer is JSON text; ``output = "tool"`` sends it as a
forced tool with ``strict: true``, and the tool call's input is the answer. The schema is
transformed for Anthropic by ``providers.schemas``.

The SDK is called directly: instructor 1.17 cannot send a strict tool, and its JSON-schema mode
looks for the retired beta ``output_format`` parameter and, not finding it, falls back to
prompt-only JSON. Reading the answer is ``specrun.rules.answers``' job, so nothing here parses it.

The system prompt goes as one text block marked ``cache_control: ephemeral``; it is the same
bytes on every attempt of a run, so re-asks read the binding context from the prompt cache. The
SDK's own retries are off: transient faults are retried by ``specrun.providers.retrying``.
"""

import json
from typing import Any

import anthropic

from specrun.providers import Answer, Request, Usage, token_count
from specrun.providers.calls import call_sdk, sdk_options, unreadable
from specrun.providers.schemas import strict_schema
from specrun.settings.config import ProviderProfile


def _raw(message: Any) -> str:
    """The tool call's input where there is one, else the text blocks."""
    for block in message.content:
        if block.type == "tool_use":
            return json.dumps(block.input, ensure_ascii=False)
    return "".join(block.text for block in message.content if block.type == "text")


def _answer(message: Any) -> Answer:
    """The answer in a message. The SDK builds a message from any JSON without validating it,
    so one of another shape is an unreadable answer."""
    try:
        return Answer(_raw(message), _usage(message), message.stop_reason)
    except (AttributeError, TypeError):
        return unreadable(message)


def _usage(message: Any) -> Usage:
    usage = message.usage
    return Usage(
        input_tokens=token_count(getattr(usage, "input_tokens", None)),
        output_tokens=token_count(getattr(usage, "output_tokens", None)),
        cache_read_tokens=token_count(getattr(usage, "cache_read_input_tokens", None)),
        cache_write_tokens=token_count(getattr(usage, "cache_creation_input_tokens", None)),
    )


def structured_output(request: Request, output: str) -> dict[str, Any]:
    """The request options that constrain the answer to the request's response model."""
    model = request.response_model
    schema = strict_schema(model, "anthropic")
    if output == "native":
        return {"output_config": {"format": {"type": "json_schema", "schema": schema}}}
    tool = {
        "name": model.__name__,
        "description": f"Return the {model.__name__} answer.",
        "input_schema": schema,
        "strict": True,
    }
    return {"tools": [tool], "tool_choice": {"type": "tool", "name": model.__name__}}


class AnthropicProvider:
    def __init__(self, profile: ProviderProfile, api_key: str, http_client: Any = None) -> None:
        self.profile = profile
        self.client = anthropic.Anthropic(**sdk_options(profile, api_key, http_client))

    def complete(self, request: Request) -> Answer:
        options = {
            "max_tokens": self.profile.max_tokens,
            "system": [
                {"type": "text", "text": request.system, "cache_control": {"type": "ephemeral"}}
            ],
            "messages": [{"role": turn.role, "content": turn.text} for turn in request.turns],
            **structured_output(request, self.profile.output),
        }
        message = call_sdk(
            self.client.messages.create, self.profile, options, (anthropic.APIError,)
        )
        return _answer(message)
