"""A scripted model server on loopback, speaking each provider's documented wire format.

``ScriptedServer`` answers each request with the next scripted ``Reply`` and keeps every request
it saw. ``anthropic_*`` and ``openai_*`` build replies in the Anthropic Messages API and OpenAI
chat completions formats: ``*_json_answer`` as each answers under its native structured output
(Anthropic ``output_config.format``: a text block; OpenAI ``response_format``: the message
content), ``*_tool_answer`` through a forced tool. The tests use it to drive the real SDKs end
to end, and ``scripts/generate_cassettes.py`` records cassettes against it.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOOL_NAME = "SpecCandidates"


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def anthropic_message(
    content: list[dict[str, Any]], stop_reason: str, *, cache_read: int = 0, cache_write: int = 0
) -> Reply:
    return Reply(
        200,
        {
            "id": "msg_scripted",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-5-5",
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": 812,
                "output_tokens": 3104,
                "cache_creation_input_tokens": cache_write,
                "cache_read_input_tokens": cache_read,
            },
        },
    )


def anthropic_json_answer(
    document: object, *, text: str | None = None, cache_read: int = 0, cache_write: int = 0
) -> Reply:
    """An answer under ``output_config.format``: the JSON as the text of one text block."""
    block = {"type": "text", "text": text if text is not None else json.dumps(document)}
    return anthropic_message([block], "end_turn", cache_read=cache_read, cache_write=cache_write)


def anthropic_tool_answer(document: object, *, cache_read: int = 0, cache_write: int = 0) -> Reply:
    """An answer through the forced tool: the document as the tool call's input."""
    block = {"type": "tool_use", "id": "toolu_scripted", "name": TOOL_NAME, "input": document}
    return anthropic_message([block], "tool_use", cache_read=cache_read, cache_write=cache_write)


def anthropic_truncated(document: object) -> Reply:
    """A JSON answer cut off halfway at the output limit."""
    text = json.dumps(document)
    return anthropic_message([{"type": "text", "text": text[: len(text) // 2]}], "max_tokens")


def anthropic_error(status: int, kind: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"type": "error", "error": {"type": kind, "message": kind.replace("_", " ")}}
    return Reply(status, body, headers or {})


def openai_completion(message: dict[str, Any], finish_reason: str) -> Reply:
    return Reply(
        200,
        {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": 1764000000,
            "model": "gpt-5.5",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "refusal": None, **message},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": 4650,
                "completion_tokens": 3020,
                "total_tokens": 7670,
                "prompt_tokens_details": {"cached_tokens": 0},
            },
        },
    )


def openai_json_answer(
    document: object, *, content: str | None = None, finish_reason: str = "stop"
) -> Reply:
    """An answer under ``response_format: json_schema``: the JSON as the message content."""
    text = content if content is not None else json.dumps(document)
    return openai_completion({"content": text}, finish_reason)


def openai_refusal(text: str) -> Reply:
    return openai_completion({"content": None, "refusal": text}, "stop")


def openai_tool_answer(document: object, *, arguments: str | None = None) -> Reply:
    """An answer through the forced function tool: the document as the call's arguments."""
    call = {
        "id": "call_scripted",
        "type": "function",
        "function": {"name": TOOL_NAME, "arguments": arguments or json.dumps(document)},
    }
    return openai_completion({"content": None, "tool_calls": [call]}, "tool_calls")


def openai_error(status: int, code: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"error": {"message": code.replace("_", " "), "type": code, "code": code}}
    return Reply(status, body, headers or {})


class ScriptedServer:
    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _next(self, request: SeenRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if not self.replies:
                return Reply(500, {"error": {"message": "script exhausted", "type": "scripted"}})
            return self.replies.pop(0)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                seen = SeenRequest("POST", self.path, dict(self.headers.items()), body)
                reply = server._next(seen)
                payload = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


@contextmanager
def scripted_server(replies: list[Reply]) -> Iterator[ScriptedServer]:
    server = ScriptedServer(replies)
    thread = threading.Thread(target=server._server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server._server.shutdown()
        server._server.server_close()
        thread.join(timeout=5)
