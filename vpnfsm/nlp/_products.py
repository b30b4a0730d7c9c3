"""VPN products outside the taxonomy's named clients: each is the client ``other``.

The client vocabulary names the products the taxonomy has labels for; real reports name many
more (consumer VPNs, overlay networks, proxy tunnels). When no client rule fired, a product
named here makes the client ``other`` (the taxonomy: "any other named product"), so the flow
does not ask for what the user already said. A product the taxonomy does label (OpenVPN,
WireGuard, ...) is never listed here; ``tests/unit/test_nlp_model.py`` checks that.
"""

from __future__ import annotations

from vpnfsm._patterns import compile_user
from vpnfsm.nlp.protocols import Hit, Message

__all__ = ["OTHER_PRODUCTS", "OtherProducts"]

#: Product names (folded, RE2), one alternative per product family.
OTHER_PRODUCTS: tuple[str, ...] = (
    r"air ?vpn",
    r"eddie",
    r"nordlynx",
    r"nym(?: ?vpn)?",
    r"mysterium",
    r"netskope",
    r"meraki",
    r"tinc",
    r"nebula",
    r"(?:open)?ziti",
    r"shadowsocks\w*",
    r"ssr",
    r"v2ray\w*",
    r"xray",
    r"astrill",
    r"adguard ?vpn",
    r"wiresock",
    r"sstp-client",
    r"windscribe",
    r"mullvad",
    r"hotspot shield",
    r"tunnelbear",
    r"hide\.me",
    r"vyprvpn",
    r"cyberghost",
    r"psiphon",
    r"lantern",
    r"outline",
    r"zerotier",
    r"hamachi",
    r"twingate",
    r"perimeter 81",
    r"netbird",
    r"headscale",
    r"surfboard",
    r"panda ?vpn",
    r"mlvpn",
    r"clash",
    r"pritunl",
    r"f5 big ?ip",
    r"big-ip",
    r"sonicwall",
    r"netextender",
)


class OtherProducts:
    """Finds the first product of :data:`OTHER_PRODUCTS` in a message."""

    def __init__(self, products: tuple[str, ...] = OTHER_PRODUCTS) -> None:
        """Compile the product names into one RE2 pattern."""
        self._pattern = compile_user(r"\b(?:" + "|".join(products) + r")\b", name="client:other:named")

    def match(self, msg: Message) -> Hit | None:
        """Return the client ``other`` with the product's span, or ``None``."""
        found = self._pattern.search(msg.scan)
        if found is None:
            return None
        return Hit("other", f"client:other:named:{found.group(0)}", found.start(), found.end())
