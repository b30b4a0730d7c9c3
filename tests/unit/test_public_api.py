"""The public API is what vpnfsm.__all__ lists; importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import vpnfsm

EXPECTED = {
    "AsyncAssistant",
    "AsyncMemoryStore",
    "AsyncRedisStore",
    "AsyncSessionStore",
    "Assistant",
    "CorruptSession",
    "DeliveryError",
    "Extraction",
    "Extractor",
    "FlowError",
    "HandoffSummary",
    "InputError",
    "MemoryStore",
    "RedisStore",
    "Reply",
    "SessionConflict",
    "SessionError",
    "SessionStore",
    "StoreUnavailable",
    "TenantError",
    "VpnfsmError",
    "__version__",
}


def test_all_is_pinned() -> None:
    assert set(vpnfsm.__all__) == EXPECTED
    for name in vpnfsm.__all__:
        assert hasattr(vpnfsm, name), name


def test_every_error_derives_from_the_root() -> None:
    for name in vpnfsm.__all__:
        value = getattr(vpnfsm, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, vpnfsm.VpnfsmError), name


def test_import_does_not_pull_optional_or_heavy_modules() -> None:
    code = (
        "import sys, vpnfsm\n"
        "bad = [m for m in ('fastapi', 'uvicorn', 'graphviz', 'starlette', 'httpx') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
