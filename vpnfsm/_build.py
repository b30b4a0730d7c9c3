"""Build models without re-validating values that are valid already.

``BaseModel.model_construct`` is generic Python and cost about a sixth of an extraction; the
extractor's results and the turn's reply are only ever built from complete, already-valid
values, so this sets the instance state the way ``model_construct`` does, minus the default
handling. Unit tests pin that the results equal validated models
(``tests/unit/test_extractor_parts.py``, ``tests/unit/test_reply_build.py``), so a pydantic
upgrade that changes the internals fails loudly.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["build"]

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__
_new = object.__new__
_FIELDS: dict[type[BaseModel], frozenset[str]] = {}


def build(cls: type[M], values: dict[str, Any]) -> M:
    """Return an instance of ``cls`` holding ``values`` (which must name every field)."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(cls.model_fields)
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(names))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj
