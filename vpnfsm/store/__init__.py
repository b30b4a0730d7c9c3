"""Session stores: the in-memory default and Redis, behind one protocol."""

from vpnfsm.store.memory import AsyncMemoryStore, MemoryStore
from vpnfsm.store.redis import AsyncRedisStore, RedisStore

__all__ = ["AsyncMemoryStore", "AsyncRedisStore", "MemoryStore", "RedisStore"]
