"""The databricks provider: config (data), factory and handlers."""
