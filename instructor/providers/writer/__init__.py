"""The writer provider: config (data), factory and handlers."""
