"""Deterministic natural-language understanding: intents and entities from free text."""
