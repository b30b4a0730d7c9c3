"""``vpnfsm chat`` keeps its sessions in Redis when REDIS_URL is set."""

from __future__ import annotations

import io

import pytest
import redis

from vpnfsm.cli import main

pytestmark = pytest.mark.integration


def test_chat_uses_redis_from_environment(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = redis.Redis.from_url(redis_url)
    before = set(client.scan_iter(match="vpnfsm:*"))
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("VPN is not working\nWindows\n/quit\n"))
    assert main(["chat"]) == 0
    assert "[state VPN_ASK_CLIENT" in capsys.readouterr().out
    new = {key.decode() for key in set(client.scan_iter(match="vpnfsm:*")) - before}
    sessions = [key for key in new if key.endswith(":s")]
    assert len(sessions) == 1
    assert sessions[0].startswith("vpnfsm:{default:")
    assert client.ttl(sessions[0]) > 0
    assert client.llen(sessions[0][:-1] + "h") == 4
    client.delete(*new)
    client.close()
