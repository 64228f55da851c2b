"""The ollama provider: config (data), factory and handlers."""
