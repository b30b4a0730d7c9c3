"""The service through real HTTP: uvicorn on a free port, an httpx client."""

from __future__ import annotations

import httpx
import pytest
from httpkit import LiveServer, serve_in_thread

from vpnfsm.server import Settings, create_app

pytestmark = pytest.mark.e2e

KEY_A = "tenant-a-key-0123456789"
KEY_B = "tenant-b-key-9876543210"


def test_seed_messages_over_http(live: list[LiveServer]) -> None:
    server = serve_in_thread(create_app(Settings()))
    live.append(server)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        first = http.post("/api/chat", json={"message": "VPN is not working"})
        assert first.status_code == 200
        assert first.headers["content-type"] == "application/json"
        reply = first.json()
        assert (reply["state"], reply["handoff"], reply["intent"]) == ("VPN_ASK_OS", False, "vpn")
        sid = reply["session_id"]
        second = http.post("/api/chat", json={"session_id": sid, "message": "Windows"}).json()
        assert second["state"] == "VPN_ASK_CLIENT"
        assert second["slots"]["os"] == "windows"
        for text in ["GlobalProtect", "it just won't connect", "error 809", "no, still broken"]:
            assert http.post("/api/chat", json={"session_id": sid, "message": text}).json()["handoff"] is False
        handed = http.post("/api/chat", json={"session_id": sid, "message": "nope, same thing"}).json()
        assert handed["handoff"] is True
        assert handed["outcome"] == "handoff"
        assert handed["handoff_summary"]["slots"]["error_code"] == "809"
        later = http.post("/api/chat", json={"session_id": sid, "message": "hello"}).json()
        assert later["handoff"] is True
        assert later["state"] == "VPN_HANDOFF"
        assert handed["handoff_summary"]["reference"] in later["reply"]
        assert http.get("/readyz").json()["status"] == "ready"


def test_tenants_are_isolated_over_http(live: list[LiveServer]) -> None:
    keys = {KEY_A: "acme", KEY_B: "globex"}
    server = serve_in_thread(create_app(Settings(api_keys=keys)))
    live.append(server)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.post("/api/chat", json={"message": "vpn"}).status_code == 401
        a = http.post("/api/chat", json={"message": "VPN is not working"}, headers={"X-API-Key": KEY_A}).json()
        sid = a["session_id"]
        as_b = http.get(f"/api/sessions/{sid}", headers={"X-API-Key": KEY_B})
        assert as_b.status_code == 404
        assert as_b.json()["detail"] == "no such session"
        unknown = http.get("/api/sessions/never-existed", headers={"X-API-Key": KEY_B})
        assert unknown.json() == as_b.json()  # same answer: an id from another tenant reveals nothing
        assert http.delete(f"/api/sessions/{sid}", headers={"X-API-Key": KEY_B}).status_code == 404
        hijack = http.post(
            "/api/chat", json={"session_id": sid, "message": "Windows"}, headers={"X-API-Key": KEY_B}
        ).json()
        assert hijack["new_session"] is True
        assert hijack["notice"] is None  # never seen by this tenant: nothing to tell
        own = http.get(f"/api/sessions/{sid}", headers={"X-API-Key": KEY_A}).json()
        assert own["state"] == "VPN_ASK_OS"
        assert own["slots"]["os"] is None
        # The same id under B is now B's own session: deleting it leaves A's alone.
        assert http.delete(f"/api/sessions/{sid}", headers={"X-API-Key": KEY_B}).status_code == 204
        assert http.get(f"/api/sessions/{sid}", headers={"X-API-Key": KEY_A}).json()["turns"] == 1
        assert http.delete(f"/api/sessions/{sid}", headers={"X-API-Key": KEY_A}).status_code == 204
