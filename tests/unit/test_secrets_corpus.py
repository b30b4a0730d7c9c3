"""Every phrasing in the secrets corpus, through a whole conversation that ends in a handoff.

In memory with the real extractor, delivered to a mock Jira: the literal
secret must appear nowhere (replies, session, history, outbox, summary, tags,
Jira v2 and v3 bodies, what was sent to Jira, logs at DEBUG), and every fact in
the facts corpus must survive in the stored history and the Jira bodies. The
score line is printed in pytest's summary. The same corpus runs over HTTP with
Redis and a fake Jira in tests/integration/test_secrets_corpus_redis.py.
"""

from __future__ import annotations

import logging

import pytest

from tests.secrets_corpus import REPORT_LINES, fact_cases, leaks, run_in_memory, score_line, secret_cases


def test_every_secret_is_caught_and_every_fact_kept(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = secret_cases()
    facts = fact_cases()
    assert len(secrets) >= 150  # the corpus the issue asks for
    assert len(facts) >= 60
    leaked: list[str] = []
    for case in secrets:
        caplog.clear()
        run = run_in_memory(case.conversation, log_text=lambda: caplog.text)
        assert run.handed_off, f"{case.id}: the conversation did not end in a handoff"
        where = leaks(case.secret, run.haystacks)
        if where:
            leaked.append(f"{case.id}: {case.secret!r} in {', '.join(where)}")
    lost: list[str] = []
    for fact in facts:
        caplog.clear()
        run = run_in_memory(fact.conversation, log_text=lambda: caplog.text)
        assert run.handed_off, f"{fact.id}: the conversation did not end in a handoff"
        stored = "\n".join(run.user_lines)
        for keep in fact.keep:
            if keep not in stored or not leaks(keep, {"jira v2 body": run.haystacks["jira v2 body"]}):
                lost.append(f"{fact.id}: {keep!r} (stored as {run.user_lines[len(fact.before)]!r})")
    line = score_line(len(secrets) - len(leaked), len(secrets), len(facts) - len(lost), len(facts))
    REPORT_LINES.append("in memory: " + line)
    assert not leaked, line + "\n" + "\n".join(leaked)
    assert not lost, line + "\n" + "\n".join(lost)
