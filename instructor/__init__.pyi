# The public surface of `instructor`, declared once. `tools/gen_exports.py` turns
# these lines into `instructor/_exports.py`, the table `__init__.py` attaches lazily.
# Write every re-export as `from .x import Name as Name` (never rename).

from . import exceptions as exceptions
from . import testing as testing
from .auto_client import from_provider as from_provider
from .core.client import AsyncInstructor as AsyncInstructor
from .core.client import Instructor as Instructor
from .core.exceptions import ConfigurationError as ConfigurationError
from .core.exceptions import FailedAttempt as FailedAttempt
from .core.exceptions import HandlerNotFoundError as HandlerNotFoundError
from .core.exceptions import IncompleteOutputException as IncompleteOutputException
from .core.exceptions import InstructorError as InstructorError
from .core.exceptions import InstructorRetryException as InstructorRetryException
from .core.exceptions import MissingAPIKeyError as MissingAPIKeyError
from .core.exceptions import MissingDependencyError as MissingDependencyError
from .core.exceptions import ModelStringError as ModelStringError
from .core.exceptions import PluginError as PluginError
from .core.exceptions import ProviderNotAvailableError as ProviderNotAvailableError
from .core.exceptions import ResponseParsingError as ResponseParsingError
from .core.exceptions import UnknownProviderError as UnknownProviderError
from .core.exceptions import UnsupportedModeError as UnsupportedModeError
from .core.hooks import HookName as HookName
from .core.hooks import Hooks as Hooks
from .core.mode_registry import ModeHandler as ModeHandler
from .core.mode_registry import ModeRegistry as ModeRegistry
from .core.mode_registry import StreamDelta as StreamDelta
from .core.mode_registry import get_handler as get_handler
from .core.mode_registry import mode_registry as mode_registry
from .core.mode_registry import register_handler as register_handler
from .core.preload import preload as preload
from .core.provider_registry import Capabilities as Capabilities
from .core.provider_registry import ProviderConfig as ProviderConfig
from .core.provider_registry import ProviderFactory as ProviderFactory
from .core.provider_registry import ProviderRegistry as ProviderRegistry
from .core.provider_registry import get_registry as get_registry
from .core.provider_registry import provider_registry as provider_registry
from .core.provider_registry import register_provider as register_provider
from .core.streaming import StreamedResponse as StreamedResponse
from .dsl.citation import CitationMixin as CitationMixin
from .dsl.iterable import IterableModel as IterableModel
from .dsl.maybe import Maybe as Maybe
from .dsl.partial import Partial as Partial
from .dsl.partial import PartialLiteralMixin as PartialLiteralMixin
from .mode import Mode as Mode
from .providers.anthropic.factory import from_anthropic as from_anthropic
from .providers.bedrock.factory import from_bedrock as from_bedrock
from .providers.cerebras.factory import from_cerebras as from_cerebras
from .providers.cohere.factory import from_cohere as from_cohere
from .providers.fireworks.factory import from_fireworks as from_fireworks
from .providers.generative_ai.factory import from_gemini as from_gemini
from .providers.google.factory import from_genai as from_genai
from .providers.groq.factory import from_groq as from_groq
from .providers.litellm.factory import from_litellm as from_litellm
from .providers.mistral.factory import from_mistral as from_mistral
from .providers.openai.factory import from_openai as from_openai
from .providers.vertexai.factory import from_vertexai as from_vertexai
from .providers.writer.factory import from_writer as from_writer

__version__: str
