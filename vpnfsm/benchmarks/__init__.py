"""Benchmarks that print figures (``vpnfsm bench``); never imported by :mod:`vpnfsm`."""
