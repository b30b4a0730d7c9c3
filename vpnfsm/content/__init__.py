"""Content packs: flows, knowledge and wording a team owns, validated and overlaid per tenant.

This package is the only reader of pack files. :func:`load_pack` reads a
directory (or an installed pack named in the ``vpnfsm.content`` entry point
group) and returns a :class:`ContentPack`, or raises
:class:`~vpnfsm.errors.ContentError` listing every problem as
``file:line: what is wrong``. The shipped flows are :func:`default_pack`.
See ``docs/content.md``.
"""

from vpnfsm.content.pack import ENTRY_POINT_GROUP, ContentPack, default_pack, load_pack

__all__ = ["ENTRY_POINT_GROUP", "ContentPack", "default_pack", "load_pack"]
