"""Shared domain code: configuration, storage, services. Imports neither bot nor web."""
