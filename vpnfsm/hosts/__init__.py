"""Chat hosts: thin adapters that carry messages between a chat platform and the facade.

:mod:`vpnfsm.hosts.slack` (extra ``slack``) and :mod:`vpnfsm.hosts.teams`
(extra ``teams``). Like :mod:`vpnfsm.server`, a host only calls
:class:`~vpnfsm.Assistant` / :class:`~vpnfsm.AsyncAssistant`: it never
touches a store, and it never decides what a message means. Importing
``vpnfsm`` imports neither platform SDK.
"""
