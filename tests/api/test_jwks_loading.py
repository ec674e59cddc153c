"""Loading the JWKS from a URL against a hostile or broken server: the overall deadline holds whatever part of the
answer is trickled, and malformed HTTP leaves the kid unknown (from a review of the first version)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nX-Slow: ",  # then header bytes, one every 0.1 s
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;",  # then a chunk extension, one byte at a time
    ],
)
def test_a_jwks_url_that_trickles_headers_or_chunk_lines_is_abandoned_at_the_deadline(head: bytes) -> None:
    from api.auth import KeySource

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(head)
            while not stop.is_set():  # each read is well within the 0.5 s socket timeout, forever
                with contextlib.suppress(OSError):
                    connection.sendall(b"a")
                time.sleep(0.1)

    threading.Thread(target=trickle, daemon=True).start()
    source = KeySource.from_url(f"http://127.0.0.1:{port}/jwks", timeout=0.5)
    found: list[object] = []
    loader = threading.Thread(target=lambda: found.append(source.key("rsa-1")), daemon=True)
    started = time.monotonic()
    loader.start()
    loader.join(5)  # ten times the deadline
    try:
        assert not loader.is_alive(), f"the load still runs after {time.monotonic() - started:.1f}s (deadline 0.5 s)"
        assert found == [None]
    finally:
        stop.set()
        server.close()


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  # a chunk size that is not hex
        b"SPDY/9 200 OK\r\n\r\n{}",  # not an HTTP status line
    ],
)
def test_a_jwks_url_answering_malformed_http_leaves_the_kid_unknown(answer: bytes) -> None:
    """Like a malformed document: the kid stays unknown (401), never an exception out of the key lookup (500)."""
    from api.auth import KeySource

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer_once() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(answer)

    threading.Thread(target=answer_once, daemon=True).start()
    try:
        assert KeySource.from_url(f"http://127.0.0.1:{port}/jwks", timeout=2).key("rsa-1") is None
    finally:
        server.close()
