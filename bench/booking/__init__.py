"""Booking under contention: throughput, latency and oversold desks, vs a check-then-insert baseline."""
