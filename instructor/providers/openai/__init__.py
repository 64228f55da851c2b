"""The openai provider: config (data), factory and handlers."""
