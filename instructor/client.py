"""The import path of the clients in earlier releases (`from instructor.client import Instructor, T`).

Everything `instructor.core.client` publishes, resolved on first access (`instructor._published`).
"""

from instructor._published import attach as _attach

__getattr__, __dir__, __all__ = _attach(__name__)
