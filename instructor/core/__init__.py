"""The provider-independent core: registries, the client, retries, hooks, schemas."""
