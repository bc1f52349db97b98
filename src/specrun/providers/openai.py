"""OpenAI chat completions adapter, for OpenAI and any OpenAI-compatible server.

The result schema goes as a forced function tool (instructor's TOOLS mode), which OpenAI and
OpenAI-compatible servers (Ollama, vLLM, LM Studio, llama.cpp) both accept. OpenAI itself takes
the output limit as ``max_completion_tokens``; servers of one's own (a ``base_url``) as
``max_tokens``, the only name many of them know. The SDK's own retries are off:
transient faults are retried by ``specrun.retrying``.
"""

from typing import Any

import instructor
import openai

from specrun.config import ProviderProfile
from specrun.providers import Answer, Request, Usage
from specrun.providers.calls import call_instructor, sdk_options


def _raw(completion: Any) -> str:
    choices = getattr(completion, "choices", None) or []
    if not choices:
        return ""
    message = choices[0].message
    if message.tool_calls:
        return str(message.tool_calls[0].function.arguments)
    return str(message.content or "")


def _usage(completion: Any) -> Usage:
    usage = getattr(completion, "usage", None)
    if usage is None:
        return Usage()
    details = getattr(usage, "prompt_tokens_details", None)
    cached = (getattr(details, "cached_tokens", None) or 0) if details else 0
    return Usage(
        input_tokens=usage.prompt_tokens or 0,
        output_tokens=usage.completion_tokens or 0,
        cache_read_tokens=cached,
    )


class OpenAIProvider:
    def __init__(self, profile: ProviderProfile, api_key: str, http_client: Any = None) -> None:
        self.profile = profile
        sdk = openai.OpenAI(**sdk_options(profile, api_key, http_client))
        self.client = instructor.from_openai(sdk, mode=instructor.Mode.TOOLS)
        self.limit_parameter = profile.output_token_parameter

    def complete(self, request: Request) -> Answer:
        messages = [{"role": "system", "content": request.system}]
        messages += [{"role": turn.role, "content": turn.text} for turn in request.turns]
        options = {self.limit_parameter: self.profile.max_tokens, "messages": messages}
        return call_instructor(
            self.client,
            self.profile,
            request.response_model,
            options,
            _raw,
            _usage,
            (openai.APIError,),
        )
