"""How packs are found and combined: the default pack, extending or replacing it,
installed packs (entry points), variables and tenant overlays."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pytest

from vpnfsm import Assistant
from vpnfsm.content import ENTRY_POINT_GROUP, default_pack, load_pack
from vpnfsm.content.scaffold import write_flow
from vpnfsm.errors import ContentError
from vpnfsm.flows.registry import FLOWS

DEFAULT = Path(__file__).resolve().parents[2] / "vpnfsm" / "content" / "default"
TEAM_PACK = Path(__file__).resolve().parents[1] / "data" / "packs" / "acme-it"


def test_the_registry_is_the_default_pack_loaded_like_any_other() -> None:
    assert load_pack(DEFAULT) is default_pack()
    assert all(FLOWS[name] is spec for name, spec in default_pack().flows.items())
    assert sorted(FLOWS) == ["email", "password", "vpn"]


def test_a_pack_extends_the_shipped_flows_and_may_replace_one(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    email = (DEFAULT / "flows" / "email.toml").read_text(encoding="utf-8")
    (tmp_path / "flows" / "email.toml").write_text(
        email.replace('title = "E-mail troubleshooting"', 'title = "Mail (our way)"'), encoding="utf-8"
    )
    (tmp_path / "pack.toml").write_text('[pack]\nknowledge_dir = "../knowledge-elsewhere"\n', encoding="utf-8")
    shutil.copytree(DEFAULT.parents[1] / "flows", tmp_path.parent / "knowledge-elsewhere", ignore=_only_toml)
    pack = load_pack(tmp_path)
    assert sorted(pack.flows) == ["email", "password", "vpn"]
    assert pack.flows["email"].title == "Mail (our way)"
    assert pack.flows["vpn"].version == FLOWS["vpn"].version


def _only_toml(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if not name.endswith("_knowledge.toml")]


def test_a_pack_that_extends_none_has_only_its_own_flows(tmp_path: Path) -> None:
    write_flow("wifi", tmp_path)
    (tmp_path / "pack.toml").write_text('[pack]\nname = "wifi-only"\nextends = "none"\n', encoding="utf-8")
    pack = load_pack(tmp_path)
    assert (pack.name, list(pack.flows)) == ("wifi-only", ["wifi"])
    reply = Assistant(content=pack).handle("vpn is down")
    assert reply.flow is None  # no VPN flow in this pack: answered, not troubleshot


def test_an_installed_pack_is_found_by_its_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "our_it_content"
    write_flow("wifi", package)
    (package / "__init__.py").write_text('"""Our IT content pack."""\n', encoding="utf-8")
    dist = tmp_path / "our_it_content-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: our-it-content\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nour-it = our_it_content\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    pack = load_pack("our-it")
    assert "wifi" in pack.flows
    assert Path(pack.root) == package.resolve()


def test_variables_fall_back_to_the_pack_and_tenants_override_them() -> None:
    pack = load_pack(TEAM_PACK)
    handoff = {
        tenant: pack.flows_for(tenant)["printer"].messages["handoff"] for tenant in ("default", "acme", "globex")
    }
    assert "+1 555 0100" in handoff["default"]
    assert "+1 555 0199" in handoff["acme"]
    assert "+1 555 0100" in handoff["globex"]  # globex sets no phone of its own
    assert all("{reference}" in text for text in handoff.values())  # filled per reply, not at load
    assert pack.flows_for("initech") is pack.flows  # no overlay: the pack's own


def test_a_variable_no_one_defines_is_a_load_error_not_a_literal(tmp_path: Path) -> None:
    write_flow("wifi", tmp_path)
    flow = tmp_path / "flows" / "wifi.toml"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace("Your reference is", "Call {helpdesk_phone}. Your reference is"),
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"undefined variable \{helpdesk_phone\} for the pack"):
        load_pack(tmp_path)
    with (tmp_path / "pack.toml").open("a", encoding="utf-8") as manifest:
        manifest.write('\n[variables]\nhelpdesk_phone = "+44 20 7946 0000"\n')
    assert "+44 20 7946 0000" in load_pack(tmp_path).flows["wifi"].messages["handoff"]
