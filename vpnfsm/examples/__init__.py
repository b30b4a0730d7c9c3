"""Example configuration shipped with the package (``tenants.toml``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["EXAMPLE_TENANTS"]

#: Example tenants: ``default`` (single-tenant mode), ``acme`` and ``globex``; see ``docs/tenants.md``.
EXAMPLE_TENANTS = Path(__file__).with_name("tenants.toml")
