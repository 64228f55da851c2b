"""The google provider: config (data), factory and handlers."""
