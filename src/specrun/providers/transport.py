"""The HTTP client the vendor SDKs speak through: a wall-clock deadline per attempt, no
redirects, and a refused connection named by its profile.

httpx's timeouts bound each socket operation, not a request: a server that trickles its answer
one byte a second, or never ends its stream, resets the read timeout with every byte and holds
the run forever. So each request gets a deadline (the profile's ``timeout``) that starts when
the request is handed to the transport, and every socket operation of that request (connect,
TLS, sending, the status line and headers, every read of the body) waits at most until it. When
it passes, the operation fails with ``DeadlineExceeded``, which ``faults.translate`` reports as a
transient fault naming the deadline.

The bound sits in the network backend, below HTTP parsing, because that is the only layer every
byte passes through; a thread that abandons a blocked call would leave the socket and the thread
behind. httpx2 does not let a transport choose its network backend, so ``DeadlineTransport``
wraps the one its connection pool was built with (``_pool._network_backend``, stable since
httpx 0.18 and httpcore 0.14; ``tests/test_transport.py`` fails if it moves). It stays an
``httpx2.HTTPTransport``, so vcrpy records and replays through it. ``DeadlineClient`` puts it
wherever httpx2 builds a transport (``_init_transport``, and ``_init_proxy_transport`` for a
proxy from the environment such as ``HTTPS_PROXY``), with TCP keepalive as the SDKs set it.

Every response body is decoded here, not by httpx2: ``limits.inflate`` decodes its
content-encoding a chunk at a time and ends one byte past the body cap, and the response goes on
without ``content-encoding`` or ``content-length``. So a small gzip body that inflates to
gigabytes costs at most the cap, and what the SDK reads is refused as an oversized answer. A
replayed cassette's response passes the same way (vcrpy answers from inside
``httpx2.HTTPTransport.handle_request``).

The SDKs' own clients follow redirects, and a 307 re-posts the whole prompt (and the key
header) to wherever the server points. ``DeadlineClient`` follows none: a redirect response stops
the request before anything more is sent, as ``RedirectRefused``, a ``ProviderError`` naming the
host it pointed to (exit 3, not retried). The SDKs wrap it as a connection error;
``faults.translate`` unwraps it again.
"""

import math
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

import httpcore2
import httpx2

from specrun.errors import ProviderError, causes
from specrun.gates.limits import DEFAULT_LIMITS, inflate
from specrun.providers.faults import DeadlineExceeded, Endpoint, Refused
from specrun.settings.hosts import ascii_host

Clock = Callable[[], float]
LIMITS = httpx2.Limits(max_connections=100, max_keepalive_connections=20)  # httpx2's default


class Deadline:
    """The end of the current request's time, shared by the transport and its sockets. A
    synchronous request runs in one thread from start to last byte, so each thread keeps its
    own end: requests sharing a client from several threads do not cut each other short."""

    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.current = threading.local()

    def start(self) -> None:
        self.current.ends = self.clock() + self.seconds

    def left(self) -> float:
        ends: float = getattr(self.current, "ends", math.inf)
        return ends - self.clock()

    def passed(self) -> bool:
        return self.left() <= 0

    def bound(self, timeout: float | None) -> float | None:
        """``timeout`` for one socket operation, cut to the time left."""
        left = self.left()
        if left <= 0:
            raise DeadlineExceeded(self.seconds)
        if math.isinf(left):
            return timeout
        return left if timeout is None else min(timeout, left)

    def call(self, operation: Callable[[float | None], Any], timeout: float | None) -> Any:
        try:
            return operation(self.bound(timeout))
        except httpcore2.TimeoutException as error:
            if self.passed():
                raise DeadlineExceeded(self.seconds) from error
            raise


class _Stream(httpcore2.NetworkStream):
    def __init__(self, stream: httpcore2.NetworkStream, deadline: Deadline) -> None:
        self.stream = stream
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self.deadline.call(lambda left: self.stream.read(max_bytes, left), timeout)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.deadline.call(lambda left: self.stream.write(buffer, left), timeout)

    def close(self) -> None:
        self.stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore2.NetworkStream:
        secured = self.deadline.call(
            lambda left: self.stream.start_tls(ssl_context, server_hostname, left), timeout
        )
        return _Stream(secured, self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


class _Backend(httpcore2.NetworkBackend):
    def __init__(self, backend: httpcore2.NetworkBackend, deadline: Deadline) -> None:
        self.backend = backend
        self.deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        stream = self.deadline.call(
            lambda left: self.backend.connect_tcp(host, port, left, local_address, socket_options),
            timeout,
        )
        return _Stream(stream, self.deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        stream = self.deadline.call(
            lambda left: self.backend.connect_unix_socket(path, left, socket_options), timeout
        )
        return _Stream(stream, self.deadline)

    def sleep(self, seconds: float) -> None:
        self.backend.sleep(seconds)


def _refused(error: BaseException) -> bool:
    return any(isinstance(cause, ConnectionRefusedError) for cause in causes(error))


def _keepalive() -> list[tuple[int, int, int]]:
    """TCP keepalive as the vendor SDKs' own clients set it, so that a connection waiting for a
    long answer is not dropped by an idle NAT or load balancer."""
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 60), ("TCP_KEEPCNT", 5)):
        if hasattr(socket, name):
            options.append((socket.IPPROTO_TCP, getattr(socket, name), value))
    return options


class BoundedBody(httpx2.SyncByteStream):
    """A response body decoded by ``limits.inflate``: at most ``limit + 1`` bytes."""

    def __init__(self, stream: httpx2.SyncByteStream, encoding: str | None, limit: int) -> None:
        self.stream = stream
        self.encoding = encoding
        self.limit = limit

    def __iter__(self) -> Iterator[bytes]:
        yield from inflate(self.stream, self.encoding, self.limit)

    def close(self) -> None:
        self.stream.close()


UNDECODED = frozenset({"content-encoding", "content-length"})


def bounded(response: httpx2.Response, limit: int) -> httpx2.Response:
    """``response`` with its body decoded here, within ``limit``."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in UNDECODED]
    stream = cast(httpx2.SyncByteStream, response.stream)  # a synchronous transport's
    body = BoundedBody(stream, response.headers.get("content-encoding"), limit)
    return httpx2.Response(
        response.status_code, headers=headers, stream=body, extensions=response.extensions
    )


class DeadlineTransport(httpx2.HTTPTransport):
    """An ``httpx2.HTTPTransport`` whose every request ends by ``seconds`` of wall-clock time
    and whose every body is decoded within ``body_bytes``. A refused connection is raised as
    ``Refused``, naming ``profile`` and its base URL."""

    def __init__(
        self,
        seconds: float,
        profile: str | None,
        base_url: str | None,
        clock: Clock = time.monotonic,
        body_bytes: int = DEFAULT_LIMITS.body_bytes,
        **options: Any,
    ) -> None:
        super().__init__(socket_options=_keepalive(), **options)
        self.deadline = Deadline(seconds, clock)
        self.profile = profile
        self.base_url = base_url
        self.body_bytes = body_bytes
        self._pool._network_backend = _Backend(self._pool._network_backend, self.deadline)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.deadline.start()
        try:
            return bounded(super().handle_request(request), self.body_bytes)
        except httpx2.ConnectError as error:
            if _refused(error):
                origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii', 'replace')}"
                raise Refused(Endpoint(self.profile, self.base_url or origin)) from error
            raise


class RedirectRefused(ProviderError):
    """The provider answered with a redirect, which specrun does not follow."""


def _host(url: httpx2.URL) -> str:
    host = ascii_host(url.host)
    return f"{host}:{url.port}" if url.port else host or "an unnamed host"


def _refuse_redirects(response: httpx2.Response) -> None:
    if not response.has_redirect_location:
        return
    try:
        target = _host(response.url.join(response.headers["location"]))
    except (httpx2.InvalidURL, KeyError):
        target = "an unreadable location"
    raise RedirectRefused(
        f"the provider at {_host(response.url)} answered HTTP {response.status_code}, redirecting "
        f"to {target}; specrun follows no redirects, so nothing was sent there: set base_url "
        "to the endpoint that answers directly"
    )


class DeadlineClient(httpx2.Client):
    """The HTTP client a vendor SDK is given: proxies from the environment as the SDKs take
    them, the deadline transport wherever httpx2 builds a transport, and no redirects."""

    def __init__(
        self,
        seconds: float,
        profile: str | None,
        base_url: str | None,
        body_bytes: int = DEFAULT_LIMITS.body_bytes,
    ) -> None:
        self.endpoint = (seconds, profile, base_url)
        self.body_bytes = body_bytes
        super().__init__(follow_redirects=False, event_hooks={"response": [_refuse_redirects]})

    def _init_transport(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx2.Limits = LIMITS,
        transport: httpx2.BaseTransport | None = None,
    ) -> httpx2.BaseTransport:
        return transport or self._deadline_transport(
            verify=verify, cert=cert, trust_env=trust_env, http1=http1, http2=http2, limits=limits
        )

    def _init_proxy_transport(
        self,
        proxy: httpx2.Proxy,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx2.Limits = LIMITS,
    ) -> httpx2.BaseTransport:
        return self._deadline_transport(
            proxy=proxy,
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http1=http1,
            http2=http2,
            limits=limits,
        )

    def _deadline_transport(self, **options: Any) -> DeadlineTransport:
        return DeadlineTransport(*self.endpoint, body_bytes=self.body_bytes, **options)
