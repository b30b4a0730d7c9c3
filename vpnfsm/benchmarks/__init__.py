"""Benchmarks that print figures (``vpnfsm bench``); never imported by the runtime."""
