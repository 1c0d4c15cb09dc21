"""WeChat's API: the client (tokens, retries, error codes), outbound messages, notices and signed links."""
