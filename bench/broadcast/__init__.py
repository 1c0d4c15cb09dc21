"""Broadcast sending throughput and memory against the WeChat stand-in (see bench/README.md)."""
