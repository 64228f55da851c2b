"""The cerebras provider: config (data), factory and handlers."""
