"""vpnfsm: formally checked state machines for IT-support chatbots.

The public API is what ``__all__`` lists; the documented subpackages
``vpnfsm.nlp``, ``vpnfsm.flows``, ``vpnfsm.store`` and ``vpnfsm.handoff``
offer the parts a host may swap or extend.
"""

from vpnfsm.assistant import Assistant, AsyncAssistant
from vpnfsm.errors import (
    CorruptSession,
    DeliveryError,
    FlowError,
    InputError,
    SessionConflict,
    SessionError,
    StoreUnavailable,
    TenantError,
    VpnfsmError,
)
from vpnfsm.handoff.summary import HandoffSummary
from vpnfsm.nlp.model import Extraction
from vpnfsm.reply import Reply
from vpnfsm.store.memory import AsyncMemoryStore, MemoryStore
from vpnfsm.store.redis import AsyncRedisStore, RedisStore
from vpnfsm.types import AsyncSessionStore, Extractor, SessionStore

__version__ = "0.1.0"

__all__ = [
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
]
