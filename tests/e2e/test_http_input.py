"""Odd input over a real socket: the answer is a problem document and the keep-alive connection lives on."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest
from httpkit import LiveServer, serve_in_thread

from vpnfsm.server import Settings, create_app

pytestmark = pytest.mark.e2e


def _post(conn: http.client.HTTPConnection, raw: bytes) -> tuple[int, dict[str, Any]]:
    conn.request("POST", "/api/chat", body=raw, headers={"content-type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    assert not response.will_close, "the server closed the keep-alive connection"
    return response.status, body


def test_lone_surrogate_is_422_and_the_connection_is_kept(live: list[LiveServer]) -> None:
    server = serve_in_thread(create_app(Settings()))
    live.append(server)
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        status, problem = _post(conn, b'{"message": "vpn \\ud800 keeps failing"}')
        assert status == 422
        assert problem["type"] == "/problems/invalid-request"
        sock = conn.sock
        status, reply = _post(conn, json.dumps({"message": "vpn keeps failing"}).encode())
        assert status == 200
        assert reply["state"] == "VPN_ASK_OS"
        assert conn.sock is sock  # the same connection answered both
        conn.request("OPTIONS", f"/api/sessions/{reply['session_id']}")
        options = conn.getresponse()
        options.read()
        assert options.status == 204
        assert options.getheader("allow") == "DELETE, GET, OPTIONS"
        assert options.getheader("x-content-type-options") == "nosniff"
    finally:
        conn.close()
