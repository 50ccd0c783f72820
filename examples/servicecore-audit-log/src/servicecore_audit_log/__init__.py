"""Example plugin: an in-process audit log of every committed domain event.

Installed with ``pip install -e examples/servicecore-audit-log``; servicecore discovers it
through its ``servicecore`` entry point.
"""

from __future__ import annotations

from collections.abc import Sequence

from servicecore import DomainEvent, hookimpl

__all__ = ["AUDIT_LOG", "servicecore_on_events"]

AUDIT_LOG: list[tuple[str, str, str]] = []
"""(company_id, event_type, aggregate_id) of every event published, in order."""


@hookimpl
def servicecore_on_events(events: Sequence[DomainEvent]) -> None:
    AUDIT_LOG.extend((e.company_id, e.event_type, e.aggregate_id) for e in events)
