"""Return order and return line statuses, and their status machines.

Header: ``CREATED -> OPEN`` at the first arrival, ``-> CLOSED`` once every line is invoiced
or cancelled, ``CREATED -> CANCELLED``. Lines: ``AWAITING -> REGISTERED`` or ``AWAITING ->
QUARANTINE -> REGISTERED``, ``REGISTERED -> RECEIVED -> INVOICED``, ``AWAITING -> INVOICED``
(credit only), ``AWAITING -> CANCELLED``.
"""

from __future__ import annotations

import enum

from servicecore.lifecycle import Lifecycle

__all__ = ["HEADER_LIFECYCLE", "LINE_LIFECYCLE", "ReturnLineStatus", "ReturnStatus"]


class ReturnStatus(enum.Enum):
    """Status of a return order header."""

    CREATED = "created"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ReturnLineStatus(enum.Enum):
    """Status of a return line (D365 ReturnStatusLine, without NONE)."""

    AWAITING = "awaiting"
    REGISTERED = "registered"
    QUARANTINE = "quarantine"
    RECEIVED = "received"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


HEADER_LIFECYCLE = Lifecycle.define(
    "return order",
    ReturnStatus,
    initial=ReturnStatus.CREATED,
    transitions=[
        (ReturnStatus.CREATED, "open", ReturnStatus.OPEN),
        (ReturnStatus.CREATED, "cancel", ReturnStatus.CANCELLED),
        (ReturnStatus.CREATED, "close", ReturnStatus.CLOSED),
        (ReturnStatus.OPEN, "close", ReturnStatus.CLOSED),
    ],
    final=[ReturnStatus.CLOSED, ReturnStatus.CANCELLED],
)
"""The header status machine."""

_L = ReturnLineStatus
LINE_LIFECYCLE = Lifecycle.define(
    "return line",
    ReturnLineStatus,
    initial=_L.AWAITING,
    transitions=[
        (_L.AWAITING, "register", _L.REGISTERED),
        (_L.AWAITING, "quarantine", _L.QUARANTINE),
        (_L.QUARANTINE, "end inspection", _L.REGISTERED),
        (_L.REGISTERED, "post packing slip", _L.RECEIVED),
        (_L.RECEIVED, "invoice", _L.INVOICED),
        (_L.AWAITING, "invoice credit only", _L.INVOICED),
        (_L.AWAITING, "cancel", _L.CANCELLED),
    ],
    final=[_L.INVOICED, _L.CANCELLED],
)
"""The line status machine."""
