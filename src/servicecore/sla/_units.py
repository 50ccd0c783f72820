"""Shared time units and the namespace of deterministic event ids."""

from __future__ import annotations

import datetime as _dt
import uuid

_US = 1_000_000
_HOUR_US = 3600 * _US
_NS = uuid.UUID("0b7c3f6e-4f1d-5c55-9a53-7a1c0de5e1a0")


def _us(delta: _dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def _td(us: int) -> _dt.timedelta:
    return _dt.timedelta(microseconds=us)
