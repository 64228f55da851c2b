"""The perplexity provider: config (data), factory and handlers."""
