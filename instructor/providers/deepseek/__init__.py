"""The deepseek provider: config (data), factory and handlers."""
