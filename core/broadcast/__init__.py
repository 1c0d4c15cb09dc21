"""Broadcasts: segments, the delivery plan per person, the at-most-once ledger and sender, consents."""
