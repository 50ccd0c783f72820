"""servicecore's plugin system (pluggy, entry-point group ``servicecore``).

See ``docs/plugins.md`` for every hook with an example.
"""

from servicecore.plugins.hookspecs import hookimpl, hookspec
from servicecore.plugins.manager import (
    DISABLE_ENV,
    ENTRY_POINT_GROUP,
    Hooks,
    LoggingPlugin,
    default_hooks,
    get_plugin_manager,
    reset_default_hooks,
)

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "Hooks",
    "LoggingPlugin",
    "default_hooks",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "reset_default_hooks",
]
