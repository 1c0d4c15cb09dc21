"""The message log: every message in and reply out, written in batches off the reply path."""
