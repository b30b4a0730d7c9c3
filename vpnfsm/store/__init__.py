"""Session stores: the in-memory default and Redis, behind one protocol."""

from vpnfsm.store.memory import AsyncMemoryStore, MemoryStore

__all__ = ["AsyncMemoryStore", "MemoryStore"]
