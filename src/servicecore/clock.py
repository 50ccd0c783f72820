"""Time at the boundary: the injected ``Clock`` and the coercion of every instant.

The domain never calls ``now()``: a :class:`Clock` is passed in. Every public entry point
that takes an instant passes it through :func:`to_instant`, which accepts any *aware*
``datetime`` (stdlib or pendulum) and returns a ``pendulum.DateTime`` for the same
instant; naive datetimes, dates and anything else raise ``ValidationError`` naming the
parameter.

>>> import datetime as dt
>>> from servicecore.clock import to_instant, FixedClock
>>> to_instant(dt.datetime(2024, 1, 1, 9, tzinfo=dt.timezone.utc))
DateTime(2024, 1, 1, 9, 0, 0, tzinfo=Timezone('UTC'))
>>> to_instant(dt.datetime(2024, 1, 1, 9), "start")
Traceback (most recent call last):
...
servicecore.errors.ValidationError: start is a naive datetime (2024-01-01 09:00:00)...
>>> FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)).now().year
2024
"""

from __future__ import annotations

import datetime as _dt
import threading
from typing import Protocol, runtime_checkable

import pendulum
from pendulum.tz.timezone import FixedTimezone, Timezone

from servicecore.errors import ValidationError

__all__ = [
    "MAX_INSTANT",
    "MIN_INSTANT",
    "Clock",
    "FixedClock",
    "SteppingClock",
    "SystemClock",
    "read_clock",
    "to_date",
    "to_duration",
    "to_instant",
    "to_timezone",
]

_ALLOWED_INSTANT = "an aware datetime (stdlib with tzinfo, or pendulum.DateTime)"


MIN_INSTANT = _dt.datetime(2, 1, 1, tzinfo=_dt.UTC)
"""The earliest instant servicecore accepts (UTC): arithmetic of a day or a week around any
accepted instant stays inside what ``datetime`` can represent."""

MAX_INSTANT = _dt.datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=_dt.UTC)
"""The latest instant servicecore accepts (UTC)."""

_REFUSED_ZONES = frozenset({"localtime", "posixrules", "Factory"})
"""Zone names whose meaning depends on the host machine (or on nothing): results computed
with them would differ from one machine to the next."""

_ZONES: dict[str, Timezone] = {}
_ZONES_LOCK = threading.Lock()


def _zone(key: str) -> Timezone | None:
    """The pendulum zone of an IANA key, loaded once per key (reading it is slow)."""
    zone = _ZONES.get(key)
    if zone is None and key not in _REFUSED_ZONES:
        try:
            loaded = pendulum.timezone(key)
        except Exception:
            return None
        with _ZONES_LOCK:
            zone = _ZONES.setdefault(key, loaded)
    return zone


def _out_of_range(value: _dt.datetime, param: str) -> ValidationError:
    return ValidationError(
        f"{param} {value} is outside the instants servicecore handles",
        field=param,
        value=value,
        allowed=f"an instant from {MIN_INSTANT.isoformat()} to {MAX_INSTANT.isoformat()}",
    )


def to_instant(value: object, param: str = "at") -> pendulum.DateTime:
    """Coerce an aware ``datetime`` to a ``pendulum.DateTime`` for the same instant.

    The zone is kept when it is an IANA zone or a fixed offset. Raises ``ValidationError``
    naming ``param`` for a naive datetime, a date, any other type, an instant outside
    :data:`MIN_INSTANT`..:data:`MAX_INSTANT`, or a zone that depends on the host machine
    (``localtime``). A stdlib datetime in an IANA zone is converted by rebuilding its wall
    clock in the cached pendulum zone (no second round of conversions); only a wall clock
    that does not exist (in a DST gap) goes through UTC.
    """
    if isinstance(value, _dt.datetime):
        tzinfo = value.tzinfo
        offset = value.utcoffset() if tzinfo is not None else None
        if offset is None:
            raise ValidationError(
                f"{param} is a naive datetime ({value}); servicecore needs to know the "
                "time zone of every instant",
                field=param,
                value=value,
                allowed=_ALLOWED_INSTANT,
            )
        key = getattr(tzinfo, "key", None)
        if key in _REFUSED_ZONES:
            raise ValidationError(
                f"{param} is in the zone {key!r}, whose rules depend on the host machine",
                field=param,
                value=value,
                allowed="an IANA zone such as 'Europe/Stockholm', or a fixed offset",
            )
        if not 1 < value.year < 9999:
            try:
                utc_year = (value - offset).year
            except OverflowError:
                raise _out_of_range(value, param) from None
            if not 1 < utc_year < 9999:
                raise _out_of_range(value, param)
        if isinstance(value, pendulum.DateTime) and isinstance(tzinfo, Timezone | FixedTimezone):
            return value
        if isinstance(key, str):
            zone = _ZONES.get(key) or _zone(key)
            if zone is not None:
                year, month, day = value.year, value.month, value.day
                hour, minute, second = value.hour, value.minute, value.second
                micro, fold = value.microsecond, value.fold
                # naive on purpose: the zone reads only its fields and its fold
                flipped = _dt.datetime(  # noqa: DTZ001
                    year, month, day, hour, minute, second, micro, fold=1 - fold
                )
                if tzinfo.utcoffset(flipped) == offset:  # type: ignore[union-attr]
                    # An unambiguous wall clock (neither in a DST gap nor in a fold): the
                    # same fields in the same zone's data are the same instant.
                    return pendulum.DateTime(
                        year, month, day, hour, minute, second, micro, tzinfo=zone, fold=fold
                    )
        # Through UTC: converting the wall clock of a gap or a fold directly would misplace
        # the instant.
        utc = pendulum.instance(value.astimezone(_dt.UTC), tz="UTC")
        zone = _zone(key) if isinstance(key, str) else None
        if zone is not None:
            return utc.in_timezone(zone)
        if tzinfo is _dt.UTC:
            return utc
        return utc.in_timezone(FixedTimezone(int(offset.total_seconds())))
    if isinstance(value, _dt.date):
        raise ValidationError(
            f"{param} is a date ({value}) where an instant is needed",
            field=param,
            value=value,
            allowed=_ALLOWED_INSTANT,
        )
    raise ValidationError(
        f"{param} must be an aware datetime, not {type(value).__name__}",
        field=param,
        value=value,
        allowed=_ALLOWED_INSTANT,
    )


def to_date(value: object, param: str = "date") -> pendulum.Date:
    """Coerce a calendar date (stdlib ``date`` or ``pendulum.Date``) to ``pendulum.Date``.

    A ``datetime`` is refused: which date it means depends on a time zone, so the caller
    must choose (``instant.in_timezone(tz).date()``). Dates in years 2 to 9998 are
    accepted, like instants: a month or a year of arithmetic around them stays in range.
    """
    if isinstance(value, _dt.datetime):
        raise ValidationError(
            f"{param} is a datetime ({value}) where a calendar date is needed; "
            "convert it in the right time zone with .date() first",
            field=param,
            value=value,
            allowed="a date (datetime.date or pendulum.Date)",
        )
    if isinstance(value, _dt.date):
        if not 1 < value.year < 9999:
            raise ValidationError(
                f"{param} {value} is outside the dates servicecore handles",
                field=param,
                value=value,
                allowed="a date from 0002-01-01 to 9998-12-31",
            )
        if isinstance(value, pendulum.Date):
            return value
        return pendulum.Date(value.year, value.month, value.day)
    raise ValidationError(
        f"{param} must be a date, not {type(value).__name__}",
        field=param,
        value=value,
        allowed="a date (datetime.date or pendulum.Date)",
    )


def to_duration(value: object, param: str = "duration") -> _dt.timedelta:
    """Check that ``value`` is a ``timedelta`` (pendulum ``Duration`` included)."""
    if isinstance(value, _dt.timedelta):
        if type(value) is _dt.timedelta:
            return value
        return _dt.timedelta(value.days, value.seconds, value.microseconds)
    raise ValidationError(
        f"{param} must be a timedelta, not {type(value).__name__}",
        field=param,
        value=value,
        allowed="a datetime.timedelta or pendulum.Duration",
    )


def to_timezone(value: object, param: str = "timezone") -> Timezone:
    """Resolve an IANA zone name (or a pendulum ``Timezone``) to a pendulum ``Timezone``."""
    name = getattr(value, "key", value)  # zoneinfo.ZoneInfo carries its name in .key
    refused = isinstance(name, str) and name in _REFUSED_ZONES
    if isinstance(value, Timezone) and not refused:
        return value
    if isinstance(name, str):
        zone = _zone(name)
        if zone is not None:
            return zone
    if refused:
        raise ValidationError(
            f"{param} {name!r} depends on the host machine's settings",
            field=param,
            value=value,
            allowed="an IANA zone name such as 'Europe/Stockholm' or 'UTC'",
        )
    raise ValidationError(
        f"{param} {value!r} is not a known IANA time zone",
        field=param,
        value=value,
        allowed="an IANA zone name such as 'Europe/Stockholm' or 'UTC'",
    )


@runtime_checkable
class Clock(Protocol):
    """Where the domain gets the current instant from."""

    def now(self) -> pendulum.DateTime:
        """The current instant, aware."""
        ...


class SystemClock:
    """The real clock, in UTC."""

    __slots__ = ()

    def now(self) -> pendulum.DateTime:
        return pendulum.now("UTC")

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until told to move: for tests and replays."""

    __slots__ = ("_at", "_lock")

    def __init__(self, at: _dt.datetime) -> None:
        self._at = to_instant(at, "at")
        self._lock = threading.Lock()

    def now(self) -> pendulum.DateTime:
        with self._lock:
            return self._at

    def set(self, at: _dt.datetime) -> None:
        """Jump to ``at``."""
        instant = to_instant(at, "at")
        with self._lock:
            self._at = instant

    def advance(self, delta: _dt.timedelta) -> pendulum.DateTime:
        """Move forward by ``delta`` (zero or more) and return the new instant.

        A negative step is refused (a clock that runs backwards is a bug in a test more
        often than an intent: use :meth:`set` to jump back), and so is a step past the
        last representable instant.
        """
        step = to_duration(delta, "delta")
        if step < _dt.timedelta(0):
            raise ValidationError(
                f"delta {step} would move the clock back; use set() to jump to an instant",
                field="delta",
                value=delta,
                allowed="a timedelta of zero or more",
            )
        with self._lock:
            try:
                moved = self._at + step
            except OverflowError:
                raise ValidationError(
                    f"delta {step} moves the clock past the year 9999",
                    field="delta",
                    value=delta,
                    allowed=f"at most {_dt.datetime.max.replace(tzinfo=_dt.UTC) - self._at}",
                ) from None
            self._at = moved
            return self._at

    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()!r})"


class SteppingClock:
    """A clock that moves ``step`` forward after every reading: unique, ordered instants."""

    __slots__ = ("_at", "_lock", "_step")

    def __init__(self, start: _dt.datetime, step: _dt.timedelta = _dt.timedelta(seconds=1)):
        self._at = to_instant(start, "start")
        self._step = to_duration(step, "step")
        if self._step <= _dt.timedelta(0):
            raise ValidationError(
                f"step {self._step} does not move forward",
                field="step",
                value=step,
                allowed="a positive timedelta",
            )
        self._lock = threading.Lock()

    def now(self) -> pendulum.DateTime:
        with self._lock:
            current = self._at
            self._at = self._at + self._step
            return current

    def __repr__(self) -> str:
        return f"SteppingClock({self._at.isoformat()!r}, step={self._step!r})"


def read_clock(clock: object, param: str = "clock") -> pendulum.DateTime:
    """``clock.now()`` as a ``pendulum.DateTime``; ``ValidationError`` unless ``clock`` is a Clock.

    Use cases call this instead of ``clock.now()`` so that passing, say, ``None`` or a
    datetime where a clock belongs is refused with a message instead of an AttributeError.

    A date or datetime is refused too, although ``datetime`` has a ``now()`` method: read as
    a clock it would give the wall-clock time, not the instant the caller meant.

    >>> read_clock(None)
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: clock must be a Clock (an object with now()), not None...
    >>> read_clock(pendulum.datetime(2024, 5, 1, 10))
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: clock got the instant 2024-05-01T10:00:00+00:00...
    """
    if isinstance(clock, _dt.date | _dt.time) or (
        isinstance(clock, type) and issubclass(clock, _dt.date | _dt.time)
    ):
        shown = clock.isoformat() if isinstance(clock, _dt.date | _dt.time) else clock.__name__
        raise ValidationError(
            f"{param} got the instant {shown}, not a Clock: pass the instant as at=..., or "
            f"wrap it in FixedClock(...)",
            field=param,
            value=clock,
            allowed="a Clock such as FixedClock(instant) or SystemClock(); an instant as at=",
        )
    if not isinstance(clock, Clock):
        raise ValidationError(
            f"{param} must be a Clock (an object with now()), not {clock!r}",
            field=param,
            value=clock,
            allowed="a servicecore.clock.Clock such as FixedClock or SystemClock",
        )
    return to_instant(clock.now(), f"{param}.now()")
