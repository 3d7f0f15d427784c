"""The httpx client a process sends to the platforms' APIs with, and the gate that keeps it cheap.

httpcore (under httpx) reviews its whole connection pool, and every request waiting for a connection,
each time a request starts or ends: the cost of one request grows with the square of the connections
open and the requests queued (upstream: encode/httpcore#1035). With hundreds of replies being sent at
once that review cost more CPU than the rest of a turn. So at most ``limit`` requests are handed to the
pool at once, and the rest wait here, on a semaphore, which costs nothing while they wait. The pool gets
the same number of connections, so it never queues.

A request waits here no longer than the client's pool timeout (then ``httpx.PoolTimeout``, as from the
pool itself), and its slot is given back when its response is closed, not when its headers arrive: the
connection is busy until the body has been read.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator, Callable

import httpx

__all__ = ["DEFAULT_OUTBOUND_CONNECTIONS", "HTTP_TIMEOUT", "GatedTransport", "outbound_client", "tls_context"]

HTTP_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
# Replies in flight to the platforms per process: at ~150 ms per Graph API call, 16 carry ~100 sends/s,
# more than one process answers; on loopback fewer would do, but the platforms are not on loopback.
DEFAULT_OUTBOUND_CONNECTIONS = 16


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's roots, or SSL_CERT_FILE / SSL_CERT_DIR), made once.

    Each new httpx client would otherwise load the certificate bundle again: about 50 ms of CPU.
    """
    return httpx.create_ssl_context()


def outbound_client(connections: int = DEFAULT_OUTBOUND_CONNECTIONS) -> httpx.AsyncClient:
    """An httpx client whose pool is never asked for more than ``connections`` requests at once."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    transport = httpx.AsyncHTTPTransport(verify=tls_context(), limits=limits)
    return httpx.AsyncClient(timeout=HTTP_TIMEOUT, transport=GatedTransport(transport, connections))


class GatedTransport(httpx.AsyncBaseTransport):
    """At most ``limit`` requests in ``inner`` at once; each holds its slot until its response closes."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._inner = inner
        self._slots = asyncio.Semaphore(limit)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._take_slot(request)
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            self._slots.release()
            raise
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_ReleasingStream(response.stream, self._slots.release),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def _take_slot(self, request: httpx.Request) -> None:
        if not self._slots.locked():
            await self._slots.acquire()
            return
        timeouts = request.extensions.get("timeout", {})
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no outbound connection came free in time", request=request) from None


class _ReleasingStream(httpx.AsyncByteStream):
    """The inner response body, calling ``release`` once when it is closed."""

    def __init__(
        self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, release: Callable[[], None]
    ) -> None:
        if not isinstance(stream, httpx.AsyncByteStream):
            raise TypeError("an async transport returned a sync body")
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()
