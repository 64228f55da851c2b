"""The anyscale provider: config (data), factory and handlers."""
