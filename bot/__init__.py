"""The chat side: WeChat gateway, router, conversation state and handlers."""
