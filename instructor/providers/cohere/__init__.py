"""The cohere provider: config (data), factory and handlers."""
