"""Wire formats several providers share (the OpenAI chat format serves most of them)."""
