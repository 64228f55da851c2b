"""A plugin whose SDK is not installed: importing it fails."""

import instructor_no_such_sdk  # noqa: F401

CONFIG = None
