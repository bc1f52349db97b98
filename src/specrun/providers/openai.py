"""OpenAI chat completions adapter, for OpenAI and any OpenAI-compatible server.

``output = "native"`` (the default) sends the schema as ``response_format: json_schema`` with
``strict: true``: OpenAI constrains its decoding to it, and vLLM, llama.cpp and Ollama enforce
the same form with grammar-constrained decoding, which matters most for small local models. The
answer is the message's JSON text, or its ``refusal``. ``output = "tool"`` sends the schema as a
forced function tool with ``strict: true``, and the call's arguments are the answer. The schema
is transformed for strict mode by ``providers.schemas``.

The SDK is called directly: instructor 1.17 cannot send ``strict`` through ``create()``.
Reading the answer is ``specrun.rules.answers``' job, so nothing here parses it.

The output limit goes under the profile's token parameter (``max_completion_tokens`` on
OpenAI's own endpoint, ``max_tokens`` elsewhere, unless the profile says otherwise). The SDK's
own retries are off: transient faults are retried by ``specrun.providers.retrying``.
"""

from typing import Any

import openai

from specrun.providers import Answer, Request, Usage, token_count
from specrun.providers.calls import call_sdk, sdk_options, unreadable
from specrun.providers.schemas import strict_schema
from specrun.settings.config import ProviderProfile


def _answer(completion: Any) -> Answer:
    """The answer in a completion: the refusal, the tool call's arguments, or the content. The
    SDK builds a completion from any JSON without validating it, so one of another shape is an
    unreadable answer."""
    try:
        choice = completion.choices[0]
        message = choice.message
        if message.refusal:
            return Answer(str(message.refusal), _usage(completion), "refusal")
        if message.tool_calls:
            raw = str(message.tool_calls[0].function.arguments)
        else:
            raw = str(message.content or "")
        return Answer(raw, _usage(completion), choice.finish_reason)
    except (AttributeError, TypeError, IndexError, KeyError):
        return unreadable(completion)


def _usage(completion: Any) -> Usage:
    usage = completion.usage
    if usage is None:
        return Usage()
    details = getattr(usage, "prompt_tokens_details", None)
    return Usage(
        input_tokens=token_count(getattr(usage, "prompt_tokens", None)),
        output_tokens=token_count(getattr(usage, "completion_tokens", None)),
        cache_read_tokens=token_count(getattr(details, "cached_tokens", None)),
    )


def structured_output(request: Request, output: str) -> dict[str, Any]:
    """The request options that constrain the answer to the request's response model."""
    model = request.response_model
    schema = strict_schema(model, "openai")
    if output == "native":
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": model.__name__, "schema": schema, "strict": True},
            }
        }
    function = {
        "name": model.__name__,
        "description": f"Return the {model.__name__} answer.",
        "parameters": schema,
        "strict": True,
    }
    return {
        "tools": [{"type": "function", "function": function}],
        "tool_choice": {"type": "function", "function": {"name": model.__name__}},
        "parallel_tool_calls": False,
    }


class OpenAIProvider:
    def __init__(self, profile: ProviderProfile, api_key: str, http_client: Any = None) -> None:
        self.profile = profile
        self.client = openai.OpenAI(**sdk_options(profile, api_key, http_client))
        self.limit_parameter = profile.output_token_parameter

    def complete(self, request: Request) -> Answer:
        messages = [{"role": "system", "content": request.system}]
        messages += [{"role": turn.role, "content": turn.text} for turn in request.turns]
        options = {
            self.limit_parameter: self.profile.max_tokens,
            "messages": messages,
            **structured_output(request, self.profile.output),
        }
        completion = call_sdk(
            self.client.chat.completions.create, self.profile, options, (openai.APIError,)
        )
        return _answer(completion)
