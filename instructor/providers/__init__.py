"""Built-in providers, one folder per SDK (the OpenAI-compatible ones are rows in `openai.compatible`);
`_catalog` declares them by dotted path."""
