"""The generative-ai provider: config (data), factory and handlers."""
