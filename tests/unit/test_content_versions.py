"""Changing a pack flow's structure: running sessions move by the pack's TOML migrations,
or keep running on an earlier declaration the pack keeps in previous/."""

from __future__ import annotations

import shutil
from pathlib import Path

from vpnfsm import Assistant
from vpnfsm.content import load_pack
from vpnfsm.content.scaffold import write_flow
from vpnfsm.store.memory import MemoryStore
from vpnfsm.verify import verify_flow


def _rename_question(flow: Path, *, migrations: str = "") -> None:
    text = flow.read_text(encoding="utf-8").replace("WIFI_ASK_PROBLEM", "WIFI_ASK_WHAT_IS_WRONG")
    flow.write_text(text + migrations, encoding="utf-8")


def test_a_migration_in_toml_moves_a_waiting_session(tmp_path: Path) -> None:
    write_flow("wifi", tmp_path)
    store = MemoryStore()
    before = Assistant(store, content=tmp_path)
    waiting = before.handle("wifi question")
    assert waiting.state == "WIFI_ASK_PROBLEM"
    old_version = load_pack(tmp_path).flows["wifi"].version
    _rename_question(
        tmp_path / "flows" / "wifi.toml",
        migrations=f'\n[migrations."{old_version}"]\nWIFI_ASK_PROBLEM = "WIFI_ASK_WHAT_IS_WRONG"\n',
    )
    pack = load_pack(tmp_path)
    assert pack.flows["wifi"].version != old_version
    after = Assistant(store, content=pack)
    moved = after.handle("its super slow", waiting.session_id)
    assert moved.slots["problem"] == "slow"
    assert moved.state == "WIFI_CHECK_RESULT"  # carried on, not restarted
    assert moved.notice is None


def test_an_earlier_declaration_in_previous_keeps_old_sessions_running_and_is_verified(tmp_path: Path) -> None:
    write_flow("wifi", tmp_path)
    store = MemoryStore()
    waiting = Assistant(store, content=tmp_path).handle("wifi question")
    old_version = load_pack(tmp_path).flows["wifi"].version
    (tmp_path / "previous").mkdir()
    shutil.copy(tmp_path / "flows" / "wifi.toml", tmp_path / "previous" / "wifi@v1.toml")
    flow = tmp_path / "flows" / "wifi.toml"
    flow.write_text(flow.read_text(encoding="utf-8").replace("max_attempts = 2", "max_attempts = 3"), encoding="utf-8")
    pack = load_pack(tmp_path)
    assert [spec.version for spec in pack.previous["wifi"]] == [old_version]
    assert pack.flows["wifi"].version != old_version
    reply = Assistant(store, content=pack).handle("slow", waiting.session_id)
    assert reply.state == "WIFI_CHECK_RESULT"
    stored = store.load(waiting.session_id, tenant="default")
    assert stored is not None
    assert stored.flow_version == old_version  # it finishes on the declaration it started on
    fresh = Assistant(store, content=pack).handle("the wifi keeps failing, its slow")
    assert store.load(fresh.session_id, tenant="default").flow_version == pack.flows["wifi"].version  # type: ignore[union-attr]
    report = verify_flow(pack.flows["wifi"], previous=pack.previous["wifi"])
    assert report.ok


def test_a_migration_to_a_state_that_does_not_exist_fails_verify(tmp_path: Path) -> None:
    write_flow("wifi", tmp_path)
    old_version = load_pack(tmp_path).flows["wifi"].version
    (tmp_path / "previous").mkdir()
    shutil.copy(tmp_path / "flows" / "wifi.toml", tmp_path / "previous" / "wifi@v1.toml")
    _rename_question(
        tmp_path / "flows" / "wifi.toml",
        migrations=f'\n[migrations."{old_version}"]\nWIFI_ASK_PROBLEM = "WIFI_ASK_NOTHING"\n',
    )
    pack = load_pack(tmp_path)
    report = verify_flow(pack.flows["wifi"], previous=pack.previous["wifi"])
    assert not report.ok
    assert any("WIFI_ASK_NOTHING" in problem.format() for problem in report.problems)
