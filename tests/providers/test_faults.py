"""Faults told apart and explained: real SDK errors in, one clear line and the right kind out."""

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest
from support import EXAMPLE, Invoke
from wire import Reply, anthropic_error, anthropic_json_answer, openai_json_answer, scripted_server

from specrun.errors import ProviderError
from specrun.gates.credentials import remember
from specrun.providers import TransientProviderError
from specrun.providers.faults import Endpoint, Refused, redact, retry_after_seconds, translate

KEY = "kv-fault-check-5d1e"
OLLAMA_404 = 'model "qwen2.5:32b" not found, try pulling it first'


def status_error(
    sdk: Any, status: int, body: object, headers: dict[str, str] | None = None
) -> Exception:
    request = httpx2.Request(
        "POST",
        "http://127.0.0.1:11434/v1/chat/completions",
        headers={"authorization": f"Bearer {KEY}"},
    )
    response = httpx2.Response(status, headers=headers or {}, json=body, request=request)
    error: Exception = sdk.APIStatusError(
        f"Error code: {status} - {body}", response=response, body=body
    )
    return error


@pytest.mark.parametrize("sdk", [openai, anthropic])
def test_a_404_shows_the_servers_message(sdk: Any) -> None:
    error = translate(
        status_error(sdk, 404, {"error": {"message": OLLAMA_404, "type": "api_error"}})
    )
    assert type(error) is ProviderError
    assert str(error) == f"the provider refused the request (HTTP 404: {OLLAMA_404})"


@pytest.mark.parametrize(
    "body",
    [{"error": OLLAMA_404}, {"detail": OLLAMA_404}, {"message": OLLAMA_404}],
    ids=["ollama-native", "detail", "message"],
)
def test_other_error_bodies_are_read_too(body: dict[str, str]) -> None:
    assert OLLAMA_404 in str(translate(status_error(openai, 404, body)))


def test_a_400_redacts_the_key_and_key_shaped_text_and_stays_one_line() -> None:
    remember(KEY)  # as every key handed to an SDK is; newer SDKs drop it from the error
    said = (
        f"bad request from {KEY}:\nkey sk-proj-Abc123Def456Ghi789 or sk-pr****************wxyz\n"
        "\x1b[31mtoken 0123456789abcdef0123456789abcdef\x1b[0m " + "x" * 2000
    )
    message = str(translate(status_error(openai, 400, {"error": {"message": said}})))
    assert KEY not in message
    assert "Abc123" not in message
    assert "wxyz" not in message
    assert "0123456789abcdef" not in message
    assert "\n" not in message
    assert "\x1b" not in message
    assert message.startswith(
        "the provider refused the request (HTTP 400: bad request from REDACTED"
    )
    assert len(message) < 400


@pytest.mark.parametrize("status", [401, 403])
def test_authentication_messages_are_dropped_since_they_echo_the_key(status: int) -> None:
    said = "Incorrect API key provided: kv-fau**********5d1e."
    message = str(translate(status_error(openai, status, {"error": {"message": said}})))
    assert message == f"authentication failed (HTTP {status}); check the API key in the environment"


@pytest.mark.parametrize(("status", "expected"), [(429, 7.0), (503, None), (408, None)])
def test_retryable_statuses_are_transient_with_retry_after(
    status: int, expected: float | None
) -> None:
    headers = {"retry-after": "7"} if expected else {}
    error = translate(status_error(anthropic, status, {"error": {"message": "slow down"}}, headers))
    assert isinstance(error, TransientProviderError)
    assert error.retry_after == expected
    assert f"HTTP {status}: slow down" in str(error)


def test_an_unreadable_success_is_not_called_a_refusal() -> None:
    request = httpx2.Request("POST", "https://api.anthropic.com/v1/messages")
    response = httpx2.Response(200, text="<html>", request=request)
    error = translate(anthropic.APIResponseValidationError(response, "<html>"))
    assert type(error) is ProviderError
    assert str(error).startswith("the provider's response could not be read (HTTP 200")


def test_timeouts_and_dropped_connections_are_transient() -> None:
    request = httpx2.Request("POST", "https://api.openai.com/v1/chat/completions")
    for error in (
        openai.APITimeoutError(request=request),
        anthropic.APIConnectionError(request=request),
    ):
        assert isinstance(translate(error), TransientProviderError)


def test_a_refused_connection_without_a_profile_still_names_the_url() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    error = openai.APIConnectionError(request=request)
    error.__cause__ = ConnectionRefusedError(111, "Connection refused")
    translated = translate(error)
    assert type(translated) is ProviderError
    assert str(translated) == (
        "cannot connect to http://127.0.0.1:9/v1/chat/completions: is the server running?"
    )


def test_a_refused_url_never_shows_credentials_written_into_it() -> None:
    endpoint = Endpoint("gw", f"https://user:{KEY}@gw.example:8443/v1?api-key={KEY}")
    error = openai.APIConnectionError(request=httpx2.Request("POST", "https://gw.example/v1"))
    error.__cause__ = Refused(endpoint)
    message = str(translate(error))
    assert (
        message
        == "cannot connect to https://gw.example:8443/v1 (profile gw): is the server running?"
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "-5"}, None),
        ({"retry-after-ms": "nan", "retry-after": "2"}, 2.0),
        ({"retry-after": "1e400"}, None),
        ({}, None),
    ],
)
def test_retry_after_headers(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(headers) == expected


def test_redaction_keeps_ordinary_words_and_model_names() -> None:
    text = 'model "claude-sonnet-4-5-20250929" not found, try pulling it first'
    assert redact(text) == text


# Over the wire: the real SDKs against loopback servers, through the real command.


def config(folder: Path, kind: str, base_url: str, retries: str = "max_retries = 2") -> Path:
    path = folder / "faults.toml"
    path.write_text(
        f'provider = "local"\n\n[retries]\n{retries}\n\n'
        f'[providers.local]\nkind = "{kind}"\nmodel = "qwen2.5:32b"\nbase_url = "{base_url}"\n'
        'api_key_env = "FAULT_KEY"\ntimeout = 0.5\n'
    )
    return path


@pytest.fixture(autouse=True)
def fault_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAULT_KEY", KEY)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def record_text(runs: Path) -> str:
    return "".join(path.read_text() for path in runs.glob("*.json"))


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_refused_connection_fails_fast_naming_url_and_profile(
    invoke: Invoke, tmp_path: Path, kind: str, sleeps: list[float], isolated_environment: Path
) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/v1"
    out = tmp_path / "result.md"
    result = invoke(
        "run", "--repo", EXAMPLE, "--config", config(tmp_path, kind, base_url), "--out", out
    )
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines()[-1] == (
        f"specrun: error: cannot connect to {base_url} (profile local): is the server running?"
    )
    assert sleeps == []
    assert not out.exists()
    assert KEY not in result.stderr + record_text(isolated_environment)


def test_a_404_from_ollama_shows_its_message(invoke: Invoke, tmp_path: Path) -> None:
    body = {"error": {"message": OLLAMA_404, "type": "api_error", "param": None, "code": None}}
    with scripted_server([Reply(404, body)]) as server:
        result = invoke(
            "run", "--repo", EXAMPLE, "--config", config(tmp_path, "openai", server.url + "/v1")
        )
    assert result.exit_code == 3
    assert f"the provider refused the request (HTTP 404: {OLLAMA_404})" in result.stderr
    assert len(server.requests) == 1


def test_a_400_echoing_the_key_is_shown_redacted(
    invoke: Invoke, tmp_path: Path, isolated_environment: Path
) -> None:
    said = f"invalid header value {KEY} near sk-ant-api03-AbCdEfGh12345678"
    with scripted_server([anthropic_error(400, "invalid_request_error")]) as server:
        server.replies[0] = Reply(
            400, {"type": "error", "error": {"type": "invalid_request_error", "message": said}}
        )
        result = invoke(
            "run", "--repo", EXAMPLE, "--config", config(tmp_path, "anthropic", server.url)
        )
    assert result.exit_code == 3
    assert "HTTP 400: invalid header value REDACTED near REDACTED" in result.stderr
    assert KEY not in result.stderr + record_text(isolated_environment)
    assert "AbCdEfGh" not in result.stderr


class FaultFirst(BaseHTTPRequestHandler):
    """The first request stalls past the deadline or is dropped; later ones get ``answer``."""

    answer: Reply
    fault: str
    seen: list[str]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.seen.append(self.path)
        if len(self.seen) == 1:
            if self.fault == "stall":
                threading.Event().wait(1.0)  # time.sleep is the test's recorder
            self.close_connection = True
            return
        payload = json.dumps(self.answer.body).encode()
        self.send_response(self.answer.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def fault_first(fault: str, answer: Reply) -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (FaultFirst,), {"answer": answer, "fault": fault, "seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("fault", ["stall", "drop"])
@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_timeout_or_dropped_connection_is_retried_without_using_an_attempt(
    invoke: Invoke,
    tmp_path: Path,
    kind: str,
    fault: str,
    valid_document: dict[str, Any],
    sleeps: list[float],
) -> None:
    answer = (openai_json_answer if kind == "openai" else anthropic_json_answer)(valid_document)
    with fault_first(fault, answer) as (url, seen):
        base_url = url + ("/v1" if kind == "openai" else "")
        result = invoke("run", "--repo", EXAMPLE, "--config", config(tmp_path, kind, base_url))
    assert result.exit_code == 0, result.stderr
    assert len(seen) == 2
    assert len(sleeps) == 1
    assert "provider fault:" in result.stderr
    if fault == "stall":
        assert "no complete answer within the 0.5s deadline" in result.stderr
    assert "attempt 1:" in result.stderr
    assert "attempt 2:" not in result.stderr


def test_retry_after_nan_is_ignored_over_the_wire(
    invoke: Invoke, tmp_path: Path, valid_document: dict[str, Any], sleeps: list[float]
) -> None:
    replies = [
        anthropic_error(429, "rate_limit_error", {"retry-after": "nan"}),
        anthropic_error(429, "rate_limit_error", {"retry-after": "-3"}),
        anthropic_json_answer(valid_document),
    ]
    with scripted_server(replies) as server:
        result = invoke(
            "run", "--repo", EXAMPLE, "--config", config(tmp_path, "anthropic", server.url)
        )
    assert result.exit_code == 0, result.stderr
    assert len(sleeps) == 2
    assert all(0 < wait <= 3 for wait in sleeps)


def test_a_huge_retry_after_gives_up_at_once_and_says_why(
    invoke: Invoke, tmp_path: Path, sleeps: list[float]
) -> None:
    replies = [anthropic_error(429, "rate_limit_error", {"retry-after": "86400"})]
    with scripted_server(replies) as server:
        result = invoke(
            "run", "--repo", EXAMPLE, "--config", config(tmp_path, "anthropic", server.url)
        )
    assert result.exit_code == 3
    assert "it asked to wait 86400s, beyond [retries] max_wait = 60" in result.stderr
    assert sleeps == []
