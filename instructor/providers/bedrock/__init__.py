"""The bedrock provider: config (data), factory and handlers."""
