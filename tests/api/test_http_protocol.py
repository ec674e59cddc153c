"""The HTTP protocol `kluis serve` runs: Nagle off on every connection, also when uvicorn binds the socket itself
(several workers), so responses do not wait for the client's delayed ACK."""

from __future__ import annotations

import asyncio
import socket

import pytest
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.http_protocol import NoDelayH11Protocol


def test_a_connection_made_gets_tcp_nodelay_and_is_then_served_by_h11(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[asyncio.BaseTransport] = []
    monkeypatch.setattr(H11Protocol, "connection_made", lambda _self, transport: served.append(transport))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as listener:  # protocol 0, as uvicorn binds it
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()), listener.accept()[0] as accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # what asyncio would leave
            transport = asyncio.Transport(extra={"socket": accepted})
            NoDelayH11Protocol.__new__(NoDelayH11Protocol).connection_made(transport)
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    assert served == [transport]
