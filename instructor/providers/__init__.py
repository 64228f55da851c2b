"""Built-in providers, one folder each; `_catalog` declares them by dotted path."""
