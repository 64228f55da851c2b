"""The groq provider: config (data), factory and handlers."""
