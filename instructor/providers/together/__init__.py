"""The together provider: config (data), factory and handlers."""
