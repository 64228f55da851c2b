"""The mistral provider: config (data), factory and handlers."""
