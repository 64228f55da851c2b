"""The xai provider: config (data), factory and handlers."""
