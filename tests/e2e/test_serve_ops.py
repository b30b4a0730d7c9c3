"""``vpnfsm serve`` as an operator runs it: secrets stay out of workers and logs, records reach stderr."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from vpnfsm.cli import main

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "ops-test-key-0123456789"
METRICS_TOKEN = "ops-metrics-token-0123456789"
PASSWORD = "hunter2-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


def test_workers_get_no_secrets_and_store_errors_are_logged_as_json(tmp_path: Path) -> None:
    port, dead_redis = _free_port(), _free_port()  # nothing listens on dead_redis: every turn meets a 503
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "VPNFSM_", "JIRA_"))}
    env |= {
        "REDIS_URL": f"redis://:{PASSWORD}@127.0.0.1:{dead_redis}/0",
        "VPNFSM_API_KEYS": f"{API_KEY}=acme",
        "VPNFSM_METRICS_TOKEN": METRICS_TOKEN,
        "TMPDIR": str(tmp_path),
    }
    err_path = tmp_path / "stderr.txt"
    argv = ["serve", "--port", str(port), "--workers", "2", "--log-format", "json", "--log-level", "info"]
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vpnfsm", *argv], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True
        )
        try:
            assert proc.stdout is not None
            out: list[str] = []
            while not any("chat page at" in line for line in out):
                line = proc.stdout.readline()
                assert line, f"serve exited: {''.join(out)} {err_path.read_text()}"
                out.append(line)
            deadline = time.monotonic() + 30
            answered = 0
            while answered < 2:  # both workers up (a new connection per request spreads them)
                try:
                    answered += httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
                except httpx.HTTPError:
                    time.sleep(0.2)
                assert time.monotonic() < deadline, "serve did not answer /healthz within 30 s"
            reply = httpx.post(
                f"http://127.0.0.1:{port}/api/chat",
                json={"message": "my pasword is Winter2024 and vpn wont conect", "session_id": "ops-sess-1"},
                headers={"X-API-Key": API_KEY},
                timeout=30,
            )
            assert reply.status_code == 503
            children = _children(proc.pid)  # the uvicorn workers (and any helper process multiprocessing starts)
            settings_files = []
            for pid in children:
                environ = _environ(pid)
                text = "\n".join(f"{k}={v}" for k, v in environ.items())
                assert PASSWORD not in text
                assert API_KEY not in text
                assert METRICS_TOKEN not in text
                assert "VPNFSM_SERVER_SETTINGS" not in environ
                if "VPNFSM_SETTINGS_FILE" in environ:
                    settings_files.append(environ["VPNFSM_SETTINGS_FILE"])
            assert len(settings_files) >= 2, children  # both workers were looked at
            settings_files = list(set(settings_files))
            (settings_file,) = settings_files
            assert oct(Path(settings_file).stat().st_mode & 0o777) == "0o600"
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            if proc.stdout is not None:
                out.append(proc.stdout.read())
                proc.stdout.close()
    assert Path(settings_file).parent.parent == tmp_path
    assert not Path(settings_file).parent.exists()  # removed when serve stops
    stdout, stderr = "".join(out), err_path.read_text()
    assert f"Redis at redis://:***@127.0.0.1:{dead_redis}/0" in stdout
    assert PASSWORD not in stdout + stderr
    assert "Winter2024" not in stderr
    records = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    store_down = [r for r in records if r["logger"] == "vpnfsm.server.problems"]
    assert len(store_down) == 1, stderr
    assert store_down[0]["level"] == "WARNING"
    assert (store_down[0]["tenant"], store_down[0]["session_id"]) == ("acme", "ops-sess-1")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("REDIS_URL", "VPNFSM_", "JIRA_")):
            monkeypatch.delenv(name)
    return monkeypatch


def test_memory_store_refuses_a_jira_config_and_says_how_to_run_the_worker(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("VPNFSM_JIRA_URL", "https://jira.example")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "REDIS_URL" in err
    assert "vpnfsm deliver" in err


def test_required_api_keys_refuse_single_tenant_mode(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("VPNFSM_REQUIRE_API_KEYS", "true")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "VPNFSM_REQUIRE_API_KEYS" in err


def test_one_worker_leaves_no_settings_file_behind_after_sigterm(tmp_path: Path) -> None:
    # uvicorn re-raises SIGTERM after shutting down, so cleanup code never ran and a
    # 0600 copy of the API keys stayed in the temp directory.
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "VPNFSM_", "JIRA_"))}
    env |= {"VPNFSM_API_KEYS": f"{API_KEY}=acme", "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vpnfsm", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            assert time.monotonic() < deadline, "serve did not answer /healthz within 30 s"
        ok = httpx.post(f"http://127.0.0.1:{port}/api/chat", json={"message": "vpn"}, headers={"X-API-Key": API_KEY})
        assert ok.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert [p for p in tmp_path.rglob("*") if p.name.startswith("vpnfsm-") or p.suffix == ".json"] == []
