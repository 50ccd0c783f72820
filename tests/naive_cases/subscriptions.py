"""Naive-datetime cases of the subscriptions area.

No public entry point of ``servicecore.recurrence`` or ``servicecore.subscriptions`` takes
an instant: they take calendar dates (and a ``Clock``). Dates refuse datetimes, aware or
naive, with ``ValidationError`` (tested in tests/unit/test_subscriptions.py), so there is
nothing to register here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

CASES: dict[str, Callable[[datetime.datetime], object]] = {}
