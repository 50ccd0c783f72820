"""servicecore: a pure-Python domain core for service management.

The kernel names are importable from the package root; each area lives in its module
(``servicecore.money``, ``servicecore.clock``, ...). See ``docs/index.md``.
"""

from importlib.metadata import PackageNotFoundError, version

from servicecore import errors
from servicecore.clock import Clock, FixedClock, SystemClock, to_instant
from servicecore.events import DomainEvent
from servicecore.money import Currency, Money, Rounding, allocate, split
from servicecore.plugins.hookspecs import hookimpl

try:
    __version__ = version("servicecore")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"

__all__ = [
    "Clock",
    "Currency",
    "DomainEvent",
    "FixedClock",
    "Money",
    "Rounding",
    "SystemClock",
    "__version__",
    "allocate",
    "errors",
    "hookimpl",
    "split",
    "to_instant",
]
