"""Provider plugins that fail in every way a plugin can; see ../README.md."""
