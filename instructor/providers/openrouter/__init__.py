"""The openrouter provider: config (data), factory and handlers."""
