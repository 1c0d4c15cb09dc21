"""FAQ matching benchmark: latency per query, start-up time, memory."""
