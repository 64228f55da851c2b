"""The vertexai provider: config (data), factory and handlers."""
