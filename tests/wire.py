"""A scripted model server on loopback, speaking each provider's documented wire format.

``ScriptedServer`` answers each request with the next scripted ``Reply`` and keeps every request
it saw; given a ``judge``, it answers the judge's requests with it instead, whenever they come.
``anthropic_*`` and ``openai_*`` build replies in the Anthropic Messages API and OpenAI chat
completions formats: ``*_json_answer`` as each answers under its native structured output
(Anthropic ``output_config.format``: a text block; OpenAI ``response_format``: the message
content), ``*_tool_answer`` through a forced tool. ``scripted_judge`` decides whatever items a
judge request lists. ``patch_answer`` answers a targeted re-ask with only the parts its patch
schema asks for, taken from a corrected document, and counts its output tokens from the JSON it
returns (``estimated_tokens``). The tests use it to drive the real SDKs end to end, and
``scripts/generate_cassettes.py`` records cassettes against it.
"""

import json
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from specrun.document.model import SpecCandidates
from specrun.rules.judge import answer_texts, quote_problem

TOOL_NAME = "SpecCandidates"
JUDGE_TOOL = "JudgeVerdicts"
REASONS = {
    False: "The quoted text meets the rule in its own words.",
    True: "The quoted text breaks the rule.",
}
JUDGE_USAGE = {
    "anthropic": {"input_tokens": 5210, "output_tokens": 96},
    "openai": {"prompt_tokens": 5180, "completion_tokens": 102, "total_tokens": 5282},
}


@dataclass(frozen=True)
class Reply:
    """``payload``, when given, is sent as it is instead of ``body`` as JSON (a compressed
    body, say, with its ``content-encoding`` among the ``headers``)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    payload: bytes | None = None


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


Scripted = Reply | Callable[[SeenRequest], Reply]
CHARACTERS_PER_TOKEN = 4


def estimated_tokens(text: str) -> int:
    """Tokens as a BPE tokenizer counts English JSON: about one per four characters."""
    return -(-len(text) // CHARACTERS_PER_TOKEN)


def anthropic_message(
    content: list[dict[str, Any]],
    stop_reason: str,
    *,
    cache_read: int = 0,
    cache_write: int = 0,
    output_tokens: int = 3104,
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
                "output_tokens": output_tokens,
                "cache_creation_input_tokens": cache_write,
                "cache_read_input_tokens": cache_read,
            },
        },
    )


def anthropic_json_answer(
    document: object,
    *,
    text: str | None = None,
    cache_read: int = 0,
    cache_write: int = 0,
    output_tokens: int = 3104,
) -> Reply:
    """An answer under ``output_config.format``: the JSON as the text of one text block."""
    block = {"type": "text", "text": text if text is not None else json.dumps(document)}
    return anthropic_message(
        [block],
        "end_turn",
        cache_read=cache_read,
        cache_write=cache_write,
        output_tokens=output_tokens,
    )


def anthropic_tool_answer(
    document: object, *, cache_read: int = 0, cache_write: int = 0, name: str = TOOL_NAME
) -> Reply:
    """An answer through the forced tool: the document as the tool call's input."""
    block = {"type": "tool_use", "id": "toolu_scripted", "name": name, "input": document}
    return anthropic_message([block], "tool_use", cache_read=cache_read, cache_write=cache_write)


def anthropic_truncated(document: object) -> Reply:
    """A JSON answer cut off halfway at the output limit."""
    text = json.dumps(document)
    return anthropic_message([{"type": "text", "text": text[: len(text) // 2]}], "max_tokens")


def anthropic_error(status: int, kind: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"type": "error", "error": {"type": kind, "message": kind.replace("_", " ")}}
    return Reply(status, body, headers or {})


def openai_completion(
    message: dict[str, Any], finish_reason: str, completion_tokens: int = 3020
) -> Reply:
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
                "completion_tokens": completion_tokens,
                "total_tokens": 4650 + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0},
            },
        },
    )


def openai_json_answer(
    document: object,
    *,
    content: str | None = None,
    finish_reason: str = "stop",
    completion_tokens: int = 3020,
) -> Reply:
    """An answer under ``response_format: json_schema``: the JSON as the message content."""
    text = content if content is not None else json.dumps(document)
    return openai_completion({"content": text}, finish_reason, completion_tokens)


def openai_refusal(text: str) -> Reply:
    return openai_completion({"content": None, "refusal": text}, "stop")


def openai_tool_answer(
    document: object, *, arguments: str | None = None, name: str = TOOL_NAME
) -> Reply:
    """An answer through the forced function tool: the document as the call's arguments."""
    call = {
        "id": "call_scripted",
        "type": "function",
        "function": {"name": name, "arguments": arguments or json.dumps(document)},
    }
    return openai_completion({"content": None, "tool_calls": [call]}, "tool_calls")


def openai_error(status: int, code: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"error": {"message": code.replace("_", " "), "type": code, "code": code}}
    return Reply(status, body, headers or {})


def requested_schema(request: SeenRequest) -> dict[str, Any]:
    """The JSON Schema the request constrains its answer to, in whichever form it was sent."""
    body = request.body
    if "output_config" in body:
        schema: dict[str, Any] = body["output_config"]["format"]["schema"]
    elif "response_format" in body:
        schema = body["response_format"]["json_schema"]["schema"]
    else:
        tool = body["tools"][0]
        schema = tool.get("input_schema") or tool["function"]["parameters"]
    return schema


def patch_of(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The parts a patch schema asks for, taken from ``document``: candidates by letter, whole
    or the fields their schema names."""
    patch: dict[str, Any] = {}
    for key, node in schema["properties"].items():
        if key.startswith("candidate_"):
            if "$ref" in node:
                node = schema["$defs"][node["$ref"].rpartition("/")[2]]
            letter = key.removeprefix("candidate_").upper()
            candidate = document["candidates"][ord(letter) - ord("A")]
            fields = [name for name in node["properties"] if name != "letter"]
            patch[key] = {**{name: candidate[name] for name in fields}, "letter": letter}
        else:
            patch[key] = document[key]
    return patch


def patch_answer(
    kind: str, corrected: dict[str, Any], *, cache_read: int = 0
) -> Callable[[SeenRequest], Reply]:
    """A targeted re-ask answered with only the parts its patch schema asks for, from
    ``corrected``, with output tokens estimated from the JSON returned."""

    def answer(request: SeenRequest) -> Reply:
        patch = patch_of(corrected, requested_schema(request))
        text = json.dumps(patch)
        tokens = estimated_tokens(text)
        tool = "tools" in request.body
        if kind == "anthropic":
            if tool:
                reply = anthropic_tool_answer(
                    patch, cache_read=cache_read, name="SpecCandidatesPatch"
                )
                reply.body["usage"]["output_tokens"] = tokens
                return reply
            return anthropic_json_answer(
                patch, text=text, cache_read=cache_read, output_tokens=tokens
            )
        if tool:
            reply = openai_tool_answer(patch, arguments=text, name="SpecCandidatesPatch")
            reply.body["usage"]["completion_tokens"] = tokens
            return reply
        return openai_json_answer(patch, content=text, completion_tokens=tokens)

    return answer


def _asked(request: SeenRequest) -> str:
    """The text of the request's last user message."""
    users = [m for m in request.body.get("messages", []) if m.get("role") == "user"]
    content = users[-1]["content"] if users else ""
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content)
    return str(content)


def _evidence(document: SpecCandidates, item: dict[str, Any]) -> str:
    """A quote for an item that specrun will find: the longest sentence of the text it judged
    (one span, or several labelled with their fields) that is in the answer, else the summary
    of the candidate it is about."""
    texts = answer_texts(document, item["location"])
    judged = item["text_judged"]
    spans = [judged] if isinstance(judged, str) else [span["text"] for span in judged]
    parts = [part.strip(" .;:") for span in spans for part in re.split(r"(?<=[.;:])\s+|…", span)]
    found = [part for part in parts if quote_problem(texts, part) is None]
    if found:
        return max(found, key=len)
    head = item["location"].split(" > ", 1)[0]
    index = ord(head[-1]) - ord("A") if head.startswith("Candidate ") else 0
    return document.candidates[index].summary


def scripted_judge(
    kind: str, broken: Callable[[dict[str, str]], bool] = lambda item: False
) -> Callable[[SeenRequest], Reply]:
    """A judge for the scripted server: every item listed holds unless ``broken(item)``, and
    each verdict quotes the answer as specrun requires."""

    def decide(request: SeenRequest) -> Reply:
        asked = _asked(request)
        answer = asked.split("as JSON:\n", 1)[1].split("\n\nThe items to decide", 1)[0]
        items = json.loads(asked.rsplit("as JSON:\n", 1)[1].split("\n\n", 1)[0])
        document = SpecCandidates.model_validate_json(answer)
        verdicts = [
            {
                "item": item["id"],
                "verdict": "broken" if broken(item) else "holds",
                "quote": _evidence(document, item),
                "reason": REASONS[broken(item)],
            }
            for item in items
        ]
        judgement = {"verdicts": verdicts}
        tool = "tools" in request.body
        if kind == "anthropic":
            if tool:
                reply = anthropic_tool_answer(judgement, name=JUDGE_TOOL)
            else:
                reply = anthropic_json_answer(judgement)
            reply.body.update(model="claude-haiku-4-5", usage=JUDGE_USAGE["anthropic"])
        else:
            if tool:
                reply = openai_tool_answer(judgement, name=JUDGE_TOOL)
            else:
                reply = openai_json_answer(judgement)
            reply.body.update(model="gpt-5.5-mini", usage=JUDGE_USAGE["openai"])
        return reply

    return decide


class ScriptedServer:
    def __init__(
        self, replies: Sequence[Scripted], judge: Callable[[SeenRequest], Reply] | None = None
    ) -> None:
        self.replies = list(replies)
        self.judge = judge
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
            if self.judge is not None and JUDGE_TOOL in json.dumps(request.body):
                return self.judge(request)
            if not self.replies:
                return Reply(500, {"error": {"message": "script exhausted", "type": "scripted"}})
            reply = self.replies.pop(0)
            return reply if isinstance(reply, Reply) else reply(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                seen = SeenRequest("POST", self.path, dict(self.headers.items()), body)
                reply = server._next(seen)
                payload = reply.payload or json.dumps(reply.body).encode()
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
def scripted_server(
    replies: Sequence[Scripted], judge: Callable[[SeenRequest], Reply] | None = None
) -> Iterator[ScriptedServer]:
    server = ScriptedServer(replies, judge)
    thread = threading.Thread(target=server._server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server._server.shutdown()
        server._server.server_close()
        thread.join(timeout=5)
