"""The fireworks provider: config (data), factory and handlers."""
