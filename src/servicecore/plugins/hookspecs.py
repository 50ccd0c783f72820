"""Every hook servicecore calls, typed and ``servicecore_``-prefixed.

Implement a hook in your plugin with :data:`servicecore.hookimpl`; register the plugin
through the ``servicecore`` entry-point group (see ``docs/plugins.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pluggy

from servicecore.events import DomainEvent

__all__ = ["hookimpl", "hookspec", "servicecore_on_events"]

hookspec = pluggy.HookspecMarker("servicecore")
hookimpl = pluggy.HookimplMarker("servicecore")


@hookspec
def servicecore_on_events(events: Sequence[DomainEvent]) -> None:
    """Called once per successful commit with the domain events it recorded, in order.

    Never called for a unit of work that rolled back. The data is already committed when
    this runs: an exception raised here reaches the caller as ``PluginError``, but does
    not undo the commit. Use it to feed an outbox, a message bus or an audit log.
    """
