"""The anthropic provider: config (data), factory and handlers."""
