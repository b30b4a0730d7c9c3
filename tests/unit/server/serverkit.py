from __future__ import annotations

import re

from vpnfsm.nlp.model import Extraction


class SeedReader:
    """Reads just the messages these tests send (until the rule extractor is on main)."""

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        low = text.lower()
        code = re.search(r"-?\d{3,5}", low)
        result = None
        if context == "VPN_CHECK_RESULT":
            result = (
                "worked"
                if re.search(r"\b(yes|fixed|works)\b", low)
                else ("failed" if re.search(r"\b(no|nope|still)\b", low) else None)
            )
        return Extraction(
            intent="vpn" if "vpn" in low else "general",
            os="windows" if "windows" in low else "macos" if "mac" in low else None,
            client="globalprotect" if "globalprotect" in low else None,
            symptom="cannot_connect" if "connect" in low else None,
            error_code=code.group(0) if code else None,
            human="human" in low,
            result=result,  # type: ignore[arg-type]
        )
