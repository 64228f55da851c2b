"""The azure_openai provider: config (data), factory and handlers."""
