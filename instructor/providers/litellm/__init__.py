"""The litellm provider: config (data), factory and handlers."""
