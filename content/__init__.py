"""Curated content shipped with the code (the policy FAQ)."""
