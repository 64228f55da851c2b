"""The provider registry: static provider metadata, factories loaded on first use.

A provider is a `ProviderConfig` (pure data: building one imports nothing of
the provider) plus a factory named by dotted path. The registry knows the
built-in providers by the module that declares each config, so listing one
provider loads one small module, and creating a client loads one factory.
Third-party providers arrive through the `instructor.providers` entry-point
group, scanned only when a name is not built in or the full list is asked for.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from instructor.core.dependencies import load_object as load_object
from instructor.core.frozen import Frozen
from instructor.mode import Mode

if TYPE_CHECKING:
    from instructor.core.client import AsyncInstructor, Instructor
    from instructor.core.exceptions import PluginError

ENTRY_POINT_GROUP = "instructor.providers"


@dataclass(init=False, repr=False, eq=False)  # frozen: see `Frozen`
class Capabilities(Frozen):
    """What a provider's API can do through instructor."""

    streaming: bool = True
    async_: bool = True
    vision: bool = False

    def __init__(self, streaming: bool = True, async_: bool = True, vision: bool = False) -> None:
        self._init(locals())


@dataclass(init=False, repr=False, eq=False)  # frozen: see `Frozen`
class ProviderConfig(Frozen):
    """Everything instructor knows about a provider before loading any of its code.

    Args:
        name: the prefix users write in `from_provider("name/model")`.
        package: import name of the SDK the factory needs (checked before it loads).
        extra: the pip extra that installs that SDK: `pip install "instructor[extra]"`.
        factory: dotted path `"module:function"` of a `ProviderFactory`.
        default_mode: the mode used when the caller gives none.
        supported_modes: every mode the provider accepts (the core modes it serves).
        legacy_modes: deprecated, provider-named modes it still accepts; each is mapped
            to its core mode (`instructor.mode.DEPRECATED_TO_CORE`) with a warning.
        env_vars: environment variables read for the API key, in order.
        requires_api_key: whether a missing key is an error before the client is built.
        base_url: the API base URL (OpenAI-compatible providers share one factory).
        docs_url: where a user reads about the provider.
        deprecated: whether `from_provider` warns with `deprecation_message`.
        mode_selector: dotted path of `(model: str) -> Mode`, to pick a default by model.
        options: provider-specific data the factory reads (headers, API versions...).
        media: dotted path of the converter `to_part(item, target)` that turns media objects
            (`instructor.Image`...) into this provider's content parts; None: the OpenAI chat
            format's. Its module may define `finish(messages)`, run once over converted messages.
        media_kinds: the kinds of media it takes ("image", "audio", "pdf"); the others are
            refused, naming the provider, before any request is sent.
    """

    name: str
    package: str
    extra: str
    factory: str
    default_mode: Mode
    supported_modes: tuple[Mode, ...]
    legacy_modes: tuple[Mode, ...] = ()
    env_vars: tuple[str, ...] = ()
    requires_api_key: bool = True
    base_url: str | None = None
    docs_url: str = ""
    description: str = ""
    deprecated: bool = False
    deprecation_message: str = ""
    capabilities: Capabilities = field(default_factory=Capabilities)
    mode_selector: str | None = None
    distribution: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    media: str | None = None
    media_kinds: tuple[str, ...] = ("image", "audio", "pdf")

    def __init__(
        self,
        name: str,
        package: str,
        extra: str,
        factory: str,
        default_mode: Mode,
        supported_modes: tuple[Mode, ...],
        legacy_modes: tuple[Mode, ...] = (),
        env_vars: tuple[str, ...] = (),
        requires_api_key: bool = True,
        base_url: str | None = None,
        docs_url: str = "",
        description: str = "",
        deprecated: bool = False,
        deprecation_message: str = "",
        capabilities: Capabilities | None = None,
        mode_selector: str | None = None,
        distribution: str | None = None,
        options: Mapping[str, Any] | None = None,
        media: str | None = None,
        media_kinds: tuple[str, ...] = ("image", "audio", "pdf"),
    ) -> None:
        values = locals()
        if capabilities is None:
            values["capabilities"] = Capabilities()
        if options is None:
            values["options"] = {}
        self._init(values)
        self.__post_init__()

    def __post_init__(self) -> None:
        if not isinstance(self.media_kinds, tuple) or not set(self.media_kinds) <= {"image", "audio", "pdf"}:
            raise ValueError(f"ProviderConfig {self.name!r}: media_kinds={self.media_kinds!r} is not a tuple of "
                             "'image', 'audio' and 'pdf' (e.g. ('image', 'pdf'), or () for no media)")
        if self.default_mode not in self.supported_modes:
            raise ValueError(
                f"ProviderConfig {self.name!r}: default_mode {self.default_mode!r} "
                f"is not among supported_modes {[m.name for m in self.supported_modes]}"
            )
        from instructor.mode import DEPRECATED_TO_CORE

        for legacy in self.legacy_modes:
            if DEPRECATED_TO_CORE.get(legacy) not in self.supported_modes:
                raise ValueError(
                    f"ProviderConfig {self.name!r}: legacy mode Mode.{legacy.name} stands for "
                    f"{DEPRECATED_TO_CORE.get(legacy)!r}, which is not among supported_modes"
                )

    @property
    def pip_install(self) -> str:
        """The command that installs this provider's SDK."""
        return f'pip install "instructor[{self.extra}]"'


class ProviderFactory(Protocol):
    """Builds an instructor client for one provider.

    The registry has already checked the SDK, the key and the mode, so a
    factory only constructs the SDK client and wraps it. Keyword arguments the
    SDK client's constructor accepts (`base_url`, `timeout`, `max_retries`,
    `http_client`...) go to it; the rest become default `create` arguments.
    """

    def __call__(
        self,
        config: ProviderConfig,
        model: str,
        *,
        api_key: str | None,
        async_client: bool,
        mode: Mode,
        **kwargs: Any,
    ) -> Instructor | AsyncInstructor: ...


def _closest(name: str, candidates: Iterable[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _key_optional(config: ProviderConfig, kwargs: Mapping[str, Any]) -> bool:
    """Whether this call authenticates without an API key (see `ProviderRegistry.resolve_api_key`)."""
    if any(kwargs.get(name) for name in config.options.get("key_optional_with", ())):
        return True
    if any(os.environ.get(var) for var in config.options.get("credential_env_vars", ())):
        return True
    env = config.options.get("key_optional_env")
    return isinstance(env, str) and os.environ.get(env, "").strip().lower() in ("1", "true", "yes")


def check_mode(config: ProviderConfig, mode: Mode | str, caller: str | None = None) -> Mode:
    """`mode` as the core mode `config`'s provider serves it with: the one mode mechanism.

    A supported mode is returned as is; a deprecated alias the provider lists in
    `legacy_modes` (`Mode.ANTHROPIC_TOOLS`...) becomes its core mode
    (`Mode.TOOLS`), with a `DeprecationWarning` once per mode per process.

    Raises:
        UnsupportedModeError: (a `ModeError`) the provider does not serve `mode`;
            the message lists the modes it does.
    """
    from instructor.mode import DEPRECATED_TO_CORE, SILENT_ALIASES

    try:
        resolved: Mode | None = Mode(mode)
    except ValueError:
        resolved = None
    if resolved is not None and resolved in config.supported_modes:
        return resolved
    if resolved is not None and resolved in config.legacy_modes:
        if resolved not in SILENT_ALIASES:
            Mode.warn_deprecated_mode(resolved)
        return DEPRECATED_TO_CORE[resolved]
    who = caller or "from_provider"
    supported = ", ".join(f"Mode.{m.name}" for m in config.supported_modes)
    aliases = ", ".join(f"Mode.{m.name}" for m in config.legacy_modes)
    also = f" (deprecated aliases also accepted: {aliases})" if aliases else ""
    from instructor.core.exceptions import (  # only on a failure
        UnsupportedModeError,
        invalid_mode_sentence,
    )

    valid = sorted(config.supported_modes, key=lambda m: m.value)  # as the published release lists them
    raise UnsupportedModeError(
        f"{invalid_mode_sentence(mode, config.name, valid)} {who} does not take "
        f"{f'Mode.{resolved.name}' if resolved is not None else repr(mode)}: pass one of {supported}{also}, "
        f"or leave mode out to use the default (Mode.{config.default_mode.name}).",
        mode=mode,
        supported=valid,
        provider=config.name,
    )


def parse_model_string(model: str) -> tuple[str, str]:
    """Split `"provider/model"`; raise `ModelStringError` saying how it should look."""
    # instructor.core.exceptions loads only on a failure: from_provider's path never needs it
    if not isinstance(model, str):
        from instructor.core.exceptions import ModelStringError

        raise ModelStringError(
            f"from_provider expects a string like 'openai/gpt-4o-mini', got {type(model).__name__} "
            f"{model!r}."
        )
    provider, sep, model_name = model.partition("/")
    if not sep or not provider.strip() or not model_name.strip():
        from instructor.core.exceptions import ModelStringError

        raise ModelStringError(
            f"Model string {model!r} is not of the form 'provider/model'. "
            "Write it as, for example, 'openai/gpt-4o-mini' or 'anthropic/claude-sonnet-4-5'."
        )
    return provider.strip(), model_name.strip()


class ProviderRegistry:
    """Provider configs and their lazily loaded factories.

    Example:
        >>> registry = ProviderRegistry(builtins={"openai": "instructor.providers.openai.config:CONFIG"})
        >>> registry.get_config("openai").env_vars
        ('OPENAI_API_KEY',)
    """

    def __init__(self, builtins: Mapping[str, str] | None = None, *, entry_points: bool = True) -> None:
        self._lock = threading.RLock()
        self._lazy_configs: dict[str, str] = dict(builtins or {})
        self._configs: dict[str, ProviderConfig] = {}
        self._factory_overrides: dict[str, ProviderFactory | str] = {}
        self._factories: dict[str, ProviderFactory] = {}
        self._plugin_origin: dict[str, str] = {}
        self._plugin_errors: dict[str, PluginError] = {}
        self._plugin_conflicts: dict[str, PluginError] = {}
        self._use_entry_points = entry_points
        self._entry_points_scanned = not entry_points  # begun (by this or another thread)
        self._scan_complete = not entry_points
        # plugin code (imports, config functions) runs under `_scan_lock`, never under `_lock`:
        # a plugin module that calls register_provider while it is imported by another thread
        # would otherwise wait for `_lock` while the scanner waits for its import: a deadlock
        # Python cannot detect (its detector sees import locks only)
        self._scan_lock = threading.RLock()

    # -- registration ---------------------------------------------------------------------
    def register(
        self,
        config: ProviderConfig,
        factory: ProviderFactory | str | None = None,
        *,
        replace: bool = False,
    ) -> ProviderConfig:
        """Register a provider; `factory` defaults to `config.factory` (a dotted path).

        Raises:
            ValueError: the name is taken and `replace` is not set.
        """
        with self._lock:
            if not replace and self._is_known(config.name):
                existing = self._configs.get(config.name) or self._lazy_configs.get(config.name)
                origin = self._plugin_origin.get(config.name, "built-in")
                raise ValueError(
                    f"Provider name already registered: {config.name}={existing!r} ({origin}). "
                    "Pass replace=True to register_provider to replace it."
                )
            self._lazy_configs.pop(config.name, None)
            self._configs[config.name] = config
            self._factories.pop(config.name, None)
            self._plugin_errors.pop(config.name, None)
            if factory is not None:
                self._factory_overrides[config.name] = factory
            else:
                self._factory_overrides.pop(config.name, None)
            return config

    def unregister(self, name: str) -> None:
        """Forget a provider (mainly for tests and plugin reloads)."""
        with self._lock:
            tables: list[dict[str, Any]] = [
                self._configs, self._lazy_configs, self._factories, self._factory_overrides,
                self._plugin_origin, self._plugin_errors, self._plugin_conflicts,
            ]
            for table in tables:
                table.pop(name, None)

    def _is_known(self, name: str) -> bool:
        return name in self._configs or name in self._lazy_configs

    # -- lookup ---------------------------------------------------------------------------
    def has_provider(self, name: str) -> bool:
        """Whether `name` is registered (built-in, registered, or an installed plugin)."""
        if self._is_known(name):
            return True
        self.load_entry_points()
        return self._is_known(name)

    def get_config(self, name: str) -> ProviderConfig:
        """The config of `name`, loading its declaring module on first use.

        Raises:
            UnknownProviderError: no such provider; the message lists the available ones.
            PluginError: the provider comes from a plugin that failed to load.
        """
        config = self._configs.get(name)
        if config is not None:
            return config
        target = self._lazy_configs.get(name)
        if target is not None:
            loaded = load_object(target)  # outside the lock: the import system runs a module once
            if not isinstance(loaded, ProviderConfig):
                raise TypeError(f"{target} is not a ProviderConfig")
            with self._lock:
                if self._lazy_configs.get(name) == target:  # not replaced meanwhile
                    self._configs[name] = loaded
                    del self._lazy_configs[name]
            return self.get_config(name)
        self.load_entry_points()
        if name in self._plugin_errors:
            raise self._plugin_errors[name]
        if name in self._lazy_configs or name in self._configs:
            return self.get_config(name)
        available = self.list_providers()
        suggestion = _closest(name, available)
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        from instructor.core.exceptions import UnknownProviderError

        raise UnknownProviderError(
            f"Unknown provider {name!r}.{hint} Available providers: {', '.join(available)}. "
            f"Third-party providers register through the {ENTRY_POINT_GROUP!r} entry-point group.",
            provider=name,
            available=available,
        )

    def get_factory(self, name: str) -> ProviderFactory:
        """The factory of `name`, importing its module on first use."""
        factory = self._factories.get(name)
        if factory is not None:
            return factory
        config = self.get_config(name)
        target = self._factory_overrides.get(name, config.factory)
        try:  # imported outside the lock, as configs are
            factory = load_object(target) if isinstance(target, str) else target
        except Exception as exc:
            error = self._plugin_failure(name, exc, f"failed to import its factory {target!r}")
            if error is exc:
                raise
            raise error from exc
        with self._lock:
            return self._factories.setdefault(name, factory)

    def _plugin_failure(self, name: str, exc: Exception, what: str) -> Exception:
        """For a plugin's provider, a `PluginError` naming the plugin; otherwise `exc` itself.

        Instructor's own errors (a missing SDK, a missing key...) already say what to do
        and pass through unchanged.
        """
        from instructor.core.exceptions import InstructorError, PluginError

        origin = self._plugin_origin.get(name)
        if origin is None or isinstance(exc, InstructorError):
            return exc
        return PluginError(
            f"Provider {origin} {what}: {type(exc).__name__}: {exc}. "
            "Fix or upgrade the plugin, or uninstall its distribution."
        )

    def list_providers(self) -> list[str]:
        """Every provider name: built-in, registered and from installed plugins, sorted."""
        self.load_entry_points()
        return sorted(set(self._configs) | set(self._lazy_configs) | set(self._plugin_errors))

    def configs(self) -> list[ProviderConfig]:
        """The config of every provider that loads (broken plugins are left out)."""
        from instructor.core.exceptions import PluginError

        out = []
        for name in self.list_providers():
            try:
                out.append(self.get_config(name))
            except PluginError:
                continue
        return out

    # -- plugins --------------------------------------------------------------------------
    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> int:
        """Scan installed plugins once; return how many providers they registered.

        A plugin that fails is recorded (its name raises `PluginError` on use)
        and never breaks the other providers.
        """
        if self._scan_complete:
            return 0
        with self._scan_lock:  # other threads wait here for the whole scan
            if self._entry_points_scanned:  # done, or under way in this thread (a plugin asking)
                return 0
            self._entry_points_scanned = True
            try:
                return self._scan(group)
            finally:
                self._scan_complete = True

    def _scan(self, group: str) -> int:
        from importlib.metadata import entry_points

        loaded = 0
        for ep in entry_points(group=group):
            dist = getattr(getattr(ep, "dist", None), "name", None) or "unknown distribution"
            origin = f"plugin {ep.name!r} ({ep.value}) from distribution {dist!r}"
            if self._is_known(ep.name) and ep.name not in self._plugin_origin:
                self._plugin_conflicts[ep.name] = self._plugin_error(
                    f"{origin} tries to register the built-in provider name {ep.name!r}; "
                    "the built-in is kept. Rename the entry point, or call "
                    "register_provider(..., replace=True) from the plugin's own code to "
                    "override the built-in on purpose."
                )
                continue
            try:
                obj = ep.load()
                config = obj() if callable(obj) and not isinstance(obj, ProviderConfig) else obj
                if config is None:  # the plugin registered itself
                    loaded += 1
                    continue
                if not isinstance(config, ProviderConfig):
                    raise TypeError(
                        f"expected a ProviderConfig or a function returning one, got {type(config).__name__}"
                    )
                self.register(config, replace=False)
                self._plugin_origin[config.name] = origin
                loaded += 1
            except Exception as exc:  # a broken plugin must not break the others
                self._plugin_errors[ep.name] = self._plugin_error(
                    f"Failed to load provider {origin}: {type(exc).__name__}: {exc}", cause=exc
                )
        return loaded

    @staticmethod
    def _plugin_error(message: str, *, cause: BaseException | None = None) -> PluginError:
        import logging

        from instructor.core.exceptions import PluginError

        logging.getLogger("instructor").warning(message)
        error = PluginError(message)
        error.__cause__ = cause
        return error

    @property
    def plugin_errors(self) -> dict[str, PluginError]:
        """Plugins that failed to load or clashed with a built-in, by entry-point name."""
        self.load_entry_points()
        return {**self._plugin_conflicts, **self._plugin_errors}

    # -- clients --------------------------------------------------------------------------
    def resolve_mode(self, config: ProviderConfig, model: str, mode: Mode | str | None) -> Mode:
        """The mode to use: the caller's (checked, aliases mapped), else a model-based or the default one."""
        if mode is None:
            if config.mode_selector:
                selected: Mode = load_object(config.mode_selector)(model)
                return selected
            return config.default_mode
        return check_mode(config, mode)

    def resolve_api_key(
        self, config: ProviderConfig, api_key: str | None, kwargs: Mapping[str, Any] | None = None
    ) -> str | None:
        """The explicit key, else the first env var set; raise if the provider needs one.

        A provider that can authenticate another way names, in its `options`, the
        `from_provider` keywords (`key_optional_with`) or the environment variable
        (`key_optional_env`) that select that way: google's `vertexai=True`. A mapping
        as `key_optional_with` gives the value each keyword takes in the error message
        (azure_openai's `azure_ad_token=...`); a tuple means a flag (`=True`). Environment
        variables holding such a credential, which the SDK reads by itself, are
        `credential_env_vars` (azure_openai's `AZURE_OPENAI_AD_TOKEN`).
        """
        if api_key:
            return api_key
        for var in config.env_vars:
            value = os.environ.get(var)
            if value:
                return value
        if config.requires_api_key and not _key_optional(config, kwargs or {}):
            names = " or ".join(config.env_vars) or "an API key"
            ways = config.options.get("key_optional_with", ())
            values = ways if isinstance(ways, Mapping) else dict.fromkeys(ways, "True")
            others = "".join(f", or pass {k}={v}" for k, v in values.items())
            others += "".join(f", or set {var}" for var in config.options.get("credential_env_vars", ()))
            from instructor.core.exceptions import MissingAPIKeyError

            raise MissingAPIKeyError(
                f"No API key for provider {config.name!r}: set the environment variable {names}, "
                f"or pass api_key=... to from_provider{others}.",
                provider=config.name,
                env_vars=config.env_vars,
            )
        return None

    def create_client(
        self,
        name: str,
        model: str,
        *,
        api_key: str | None = None,
        async_client: bool = False,
        mode: Mode | str | None = None,
        **kwargs: Any,
    ) -> Instructor | AsyncInstructor:
        """Check everything a client needs, in order, then call the provider's factory.

        Raises, each with the remedy in its message: UnknownProviderError,
        MissingDependencyError, MissingAPIKeyError, UnsupportedModeError, and
        PluginError when a plugin's provider fails to load or to build its client.
        """
        config = self.get_config(name)
        if config.deprecated:
            import warnings

            warnings.warn(
                config.deprecation_message or f"Provider {name!r} is deprecated.",
                DeprecationWarning,
                stacklevel=3,
            )
        from instructor.core.dependencies import require_package

        require_package(config.package, extra=config.extra, provider=config.name)
        resolved_mode = self.resolve_mode(config, model, mode)
        key = self.resolve_api_key(config, api_key, kwargs)
        factory = self.get_factory(name)
        try:
            return factory(config, model, api_key=key, async_client=async_client, mode=resolved_mode, **kwargs)
        except Exception as exc:
            error = self._plugin_failure(name, exc, "failed to build a client")
            if error is exc:
                raise
            raise error from exc

    # -- introspection --------------------------------------------------------------------
    def loaded_factories(self) -> list[str]:
        """Names of the providers whose factory module has been imported."""
        return sorted(self._factories)

    def stats(self) -> dict[str, Any]:
        """How many providers and handlers are known, loaded and still lazy.

        Does not scan entry points, so it costs nothing to call.
        """
        from instructor.core.mode_registry import mode_registry

        known = set(self._configs) | set(self._lazy_configs)
        handlers = mode_registry.stats()
        return {
            "providers_known": len(known),
            "providers_loaded": len(self._factories),
            "providers_lazy": len(known) - len(self._factories),
            "configs_loaded": len(self._configs),
            "loaded_providers": sorted(self._factories),
            "handlers_known": handlers["known"],
            "handlers_loaded": handlers["loaded"],
            "handlers_lazy": handlers["lazy"],
            "loaded_handlers": handlers["loaded_modes"],
            "entry_points_scanned": self._entry_points_scanned,
        }


def _default_registry() -> ProviderRegistry:
    from instructor.providers._catalog import BUILTIN_PROVIDERS

    disabled = os.environ.get("INSTRUCTOR_DISABLE_PLUGINS", "") not in ("", "0")
    return ProviderRegistry(BUILTIN_PROVIDERS, entry_points=not disabled)


provider_registry = _default_registry()


def register_provider(
    config: ProviderConfig,
    factory: ProviderFactory | str | None = None,
    *,
    replace: bool = False,
) -> ProviderConfig:
    """Register a provider with the default registry.

    Example:
        >>> register_provider(ProviderConfig(name="acme", package="openai", extra="openai",
        ...     factory="acme_llm.factory:create", default_mode=Mode.TOOLS,
        ...     supported_modes=(Mode.TOOLS,), env_vars=("ACME_API_KEY",)))
    """
    return provider_registry.register(config, factory, replace=replace)


def get_registry() -> ProviderRegistry:
    """The default provider registry."""
    return provider_registry

