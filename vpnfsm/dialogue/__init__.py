"""The dialogue policy: what a message is in the context of the pending question, declared and verified.

* :mod:`~vpnfsm.dialogue.policy`: the rule table (kinds, contexts, features, budgets).
* :mod:`~vpnfsm.dialogue.cues`, :mod:`~vpnfsm.dialogue.feedback`, :mod:`~vpnfsm.dialogue.language`:
  the cue phrases, feedback forms and language detection the features come from.
* :mod:`~vpnfsm.dialogue.classify`: a message's features and kind.
* :mod:`~vpnfsm.dialogue.conduct`: what each kind does in a turn; :mod:`~vpnfsm.dialogue.cases`:
  park, resume, close.
* :mod:`~vpnfsm.dialogue.replies`: every sentence the policy says.
* :mod:`~vpnfsm.dialogue.checks`, :mod:`~vpnfsm.dialogue.scope`: what ``vpnfsm verify`` proves
  about the policy and the knowledge articles' scopes.

See ``docs/dialogue.md``.
"""
