"""specrun's HTTP client: the per-attempt deadline against servers that trickle or never finish,
refused ports, and redirects that are never followed."""

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

import httpx2
import pytest
from support import EXAMPLE, Invoke
from wire import Reply, scripted_server

from specrun.providers.faults import DeadlineExceeded, Refused
from specrun.providers.transport import DeadlineClient, DeadlineTransport

REDIRECT_KEY = "kv-redirect-key-5d61"
BODY = b'{"error": {"message": "never finished"}}' + b" " * 4000
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(
    BODY
)


class Trickle(socketserver.BaseRequestHandler):
    """Answers one byte every 0.1 s: each read finishes well inside any read timeout."""

    payload = HEAD + BODY

    def handle(self) -> None:
        self.request.recv(65536)
        try:
            for byte in self.payload:
                self.request.sendall(bytes([byte]))
                time.sleep(0.1)
        except OSError:
            return


class TrickledHeaders(Trickle):
    payload = HEAD


class Endless(socketserver.BaseRequestHandler):
    """A chunked answer that never ends, one chunk every 0.05 s."""

    def handle(self) -> None:
        self.request.recv(65536)
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        try:
            self.request.sendall(head + b"transfer-encoding: chunked\r\n\r\n")
            while True:
                self.request.sendall(b"a\r\ndata: {}\n\n\r\n")  # 10 bytes a chunk
                time.sleep(0.05)
        except OSError:
            return


@contextmanager
def serving(handler: type[socketserver.BaseRequestHandler]) -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "handler", [Trickle, TrickledHeaders, Endless], ids=["body", "headers", "endless"]
)
def test_a_trickling_server_ends_at_the_deadline(
    handler: type[socketserver.BaseRequestHandler],
) -> None:
    with serving(handler) as url, DeadlineClient(0.8, "slow", url) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match=r"within the 0.8s deadline"):
            client.post(url + "/v1/messages", content=b"{}", timeout=5.0)
        elapsed = time.monotonic() - started
    assert 0.75 < elapsed < 5  # the whole answer would take over 400 s


def test_a_proxy_from_the_environment_gets_the_deadline_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serving(Trickle) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("NO_PROXY", "")
        with DeadlineClient(0.8, "proxied", None) as client, pytest.raises(DeadlineExceeded):
            client.post("http://api.example.invalid/v1/messages", content=b"{}", timeout=5.0)


def test_connections_keep_alive_at_the_tcp_level() -> None:
    options = DeadlineTransport(5.0, "p", None)._pool._socket_options or ()
    assert (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1) in options


def test_each_request_gets_its_own_deadline() -> None:
    now = [0.0]
    transport = DeadlineTransport(5.0, "p", None, clock=lambda: now[0])
    now[0] = 100.0
    transport.deadline.start()
    assert transport.deadline.bound(30.0) == 5.0
    now[0] = 104.0
    assert transport.deadline.bound(30.0) == 1.0
    assert transport.deadline.bound(0.5) == 0.5
    now[0] = 105.0
    with pytest.raises(DeadlineExceeded):
        transport.deadline.bound(30.0)


def test_threads_sharing_a_transport_keep_their_own_deadlines() -> None:
    now = [0.0]
    deadline = DeadlineTransport(5.0, "p", None, clock=lambda: now[0]).deadline
    deadline.start()
    now[0] = 4.0
    other: list[float | None] = []

    def later_request() -> None:
        deadline.start()
        other.append(deadline.bound(None))

    worker = threading.Thread(target=later_request)
    worker.start()
    worker.join()
    assert other == [5.0]
    assert deadline.bound(None) == 1.0


def test_a_refused_connection_names_the_profile_and_url() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    with DeadlineClient(5.0, "local", url) as client, pytest.raises(Refused) as caught:
        client.post(url + "/chat/completions", content=b"{}")
    assert (caught.value.endpoint.profile, caught.value.endpoint.url) == ("local", url)
    assert isinstance(caught.value.__cause__, httpx2.ConnectError)


def loopback_config(folder: Path, base_url: str, timeout: float, kind: str = "openai") -> Path:
    path = folder / "loopback.toml"
    path.write_text(
        f'provider = "slow"\n\n[retries]\nmax_retries = 1\nmax_wait = 0\n\n'
        f'[providers.slow]\nkind = "{kind}"\nmodel = "scripted"\nbase_url = "{base_url}"\n'
        f"timeout = {timeout}\n"
    )
    return path


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_run_against_a_trickling_server_exits_3_naming_the_deadline(
    invoke: Invoke, tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOW_KEY", "kv-slow-check")
    import_module(f"specrun.providers.{kind}")  # the SDK's import time is not the run's
    with serving(Trickle) as url:
        config = loopback_config(tmp_path, url + ("/v1" if kind == "openai" else ""), 0.8, kind)
        if kind == "anthropic":
            config.write_text(config.read_text() + 'api_key_env = "SLOW_KEY"\n')
        started = time.monotonic()
        result = invoke("run", "--repo", EXAMPLE, "--config", config)
        elapsed = time.monotonic() - started
    assert result.exit_code == 3, result.stderr
    assert "no complete answer within the 0.8s deadline" in result.stderr
    assert "after 1 try and 0s of waiting" in result.stderr
    assert elapsed < 5  # the whole answer would take over 400 s


@pytest.mark.parametrize(
    ("kind", "suffix", "status"),
    [
        ("openai", "/v1", 307),
        ("anthropic", "", 307),
        ("openai", "/v1", 302),
        ("anthropic", "", 308),
    ],
)
def test_a_redirect_is_a_provider_error_naming_the_host_and_nothing_is_reposted(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: Path,
    kind: str,
    suffix: str,
    status: int,
) -> None:
    monkeypatch.setenv("LOOP_REDIRECT_KEY", REDIRECT_KEY)
    with scripted_server([]) as elsewhere:
        location = f"{elsewhere.url}/collect"
        with scripted_server([Reply(status, {}, {"location": location})]) as server:
            config = tmp_path / "loop.toml"
            config.write_text(
                f'provider = "loop"\n[providers.loop]\nkind = "{kind}"\nmodel = "m"\n'
                f'base_url = "{server.url}{suffix}"\napi_key_env = "LOOP_REDIRECT_KEY"\n'
            )
            result = invoke("run", "--repo", EXAMPLE, "--config", config)
    assert result.exit_code == 3
    there = elsewhere.url.removeprefix("http://")
    here = server.url.removeprefix("http://")
    assert result.stderr.endswith(
        f"specrun: error: the provider at {here} answered HTTP {status}, redirecting to {there}; "
        "specrun follows no redirects, so nothing was sent there: set base_url to the endpoint "
        "that answers directly\n"
    )
    assert len(server.requests) == 1
    assert elsewhere.requests == []
    assert REDIRECT_KEY not in result.stdout + result.stderr


def bomb(megabytes: int, wbits: int = 16 + 15) -> bytes:
    """A small compressed body (gzip by default) that inflates to ``megabytes`` MB of JSON."""
    import zlib

    engine = zlib.compressobj(9, zlib.DEFLATED, wbits)
    parts = [engine.compress(b'{"content": [{"type": "text", "text": "')]
    block = b"a" * 1_000_000
    parts += [engine.compress(block) for _ in range(megabytes)]
    parts.append(engine.compress(b'"}]}') + engine.flush())
    return b"".join(parts)


def bomb_config(tmp_path: Path, url: str, kind: str) -> Path:
    config = tmp_path / "bomb.toml"
    config.write_text(
        f'provider = "live"\njudge = false\n[providers.live]\nkind = "{kind}"\nmodel = "m"\n'
        f'base_url = "{url}"\n'
    )
    return config


@pytest.mark.parametrize(
    ("kind", "encoding", "wbits"),
    [("anthropic", "gzip", 16 + 15), ("openai", "deflate", 15), ("openai", "deflate", -15)],
)
def test_a_decompression_bomb_is_refused_as_an_oversized_answer_without_inflating_it(
    invoke: Invoke,
    tmp_path: Path,
    isolated_environment: Path,
    kind: str,
    encoding: str,
    wbits: int,
) -> None:
    import json

    payload = bomb(40, wbits)
    assert len(payload) < 100_000
    reply = Reply(200, {}, {"content-encoding": encoding}, payload=payload)
    with scripted_server([reply]) as server:
        url = server.url + ("/v1" if kind == "openai" else "")
        result = invoke(
            "run", "--repo", EXAMPLE, "--config", bomb_config(tmp_path, url, kind),
            "--max-attempts", "1",
        )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    assert "SPECRUN_MAX_ANSWER_BYTES" in result.stderr
    assert result.stdout == ""
    (record,) = isolated_environment.glob("*.json")
    assert record.stat().st_size < 15_000_000  # the 5 MB body cap, escaped: not 40 MB
    raw = json.loads(record.read_text(encoding="utf-8"))["attempts"][0]["raw"]
    assert len(raw) == 5_000_001  # twice the answer cap plus 1 MB, and one byte to know


def test_a_cassette_holding_a_decompression_bomb_replays_as_an_oversized_answer(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    shipped = Path(__file__).resolve().parents[2] / "cassettes" / "anthropic-single.yaml"
    data = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    response = data["interactions"][0]["response"]
    response["headers"] = {"content-type": ["application/json"], "content-encoding": ["gzip"]}
    response["body"]["string"] = bomb(40)
    path = tmp_path / "bomb.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("SPECRUN_MAX_ANSWER_BYTES", "100000")
    result = invoke("run", "--repo", EXAMPLE, "--cassette", path, "--max-attempts", "1")
    assert result.exit_code == 1, result.stderr
    assert "over the limit of 100,000 bytes (SPECRUN_MAX_ANSWER_BYTES)" in result.stderr


def test_inflate_stops_one_byte_past_its_limit_and_passes_unknown_encodings_undecoded() -> None:
    from specrun.gates.limits import inflate

    body = bomb(3)
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    assert sum(map(len, inflate(chunks, "gzip", 10_000))) == 10_001
    assert b"".join(inflate(chunks, "gzip", 10**8)).endswith(b'"}]}')
    assert b"".join(inflate([b"\x8b\x00" * 10], "br", 5)) == b"\x8b\x00" * 3
    assert b"".join(inflate([b"not gzip"], "gzip", 100)) == b""
