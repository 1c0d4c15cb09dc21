"""Periodic jobs, run by exactly one `vetbot scheduler` process per deployment."""
