"""Service-level agreements and SLA clocks replayed from a status history.

An :class:`ServiceLevelAgreement` (aggregate) says, per priority, how long the *response*
and the *resolution* of an order may take, each with an explicit :class:`TargetUnit`
(business hours, business days, calendar hours, calendar days: the units never mix
silently). An :class:`SlaClock` (value) measures one of these targets for one order by
replaying the order's history of status and priority changes:

* only *running* time counts, measured on the SLA's business calendar for business units
  (24x7 for calendar units); a pause therefore moves the due instant by exactly the
  business time it overlaps, never by wall-clock time;
* the same history gives the same clock (and the same events, with the same ids) however
  it is split into :meth:`SlaClock.replay` calls;
* :meth:`SlaClock.status_at` answers for any instant: state, time used and remaining,
  due instant, compliance % and the audit segments it was computed from.

>>> import datetime as dt, pendulum
>>> from servicecore.calendars import MAX_BUSINESS_DAYS, BusinessCalendar
>>> from servicecore.sla import (ServiceLevelAgreement, Target, SlaClock, ClockKind,
...     StatusChange)
>>> office = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(17))])
>>> gold = ServiceLevelAgreement(company_id="ACME", id="GOLD", name="Gold",
...     calendar=office, targets={"high": (Target.business_hours(4), Target.business_days(2))})
>>> saturday = pendulum.datetime(2024, 6, 8, 10, tz="Europe/Stockholm")
>>> clock = SlaClock.start(gold, ClockKind.RESPONSE, subject_id="SO-1", at=saturday,
...     priority="high", status="new")
>>> clock.status_at(saturday).due_at
DateTime(2024, 6, 10, 12, 0, 0, tzinfo=Timezone('Europe/Stockholm'))
"""

from __future__ import annotations

from servicecore.sla.agreement import (
    SLAS,
    ServiceLevelAgreement,
    SlaRepository,
    SlaResumed,
    SlaSelectionContext,
    SlaSuspended,
    applicable_sla_ids,
    resume_sla,
    resume_stored_sla,
    select_sla,
    suspend_sla,
    suspend_stored_sla,
)
from servicecore.sla.clock import (
    ClockState,
    PriorityChange,
    Segment,
    SlaBreached,
    SlaCancelled,
    SlaClock,
    SlaFulfilled,
    SlaStatus,
    SlaWarningReached,
    StatusChange,
)
from servicecore.sla.targets import (
    ClockKind,
    ClockRules,
    PriorityTargets,
    ServiceCredit,
    ServiceCreditPolicy,
    Target,
    TargetUnit,
)

__all__ = [
    "SLAS",
    "ClockKind",
    "ClockRules",
    "ClockState",
    "PriorityChange",
    "PriorityTargets",
    "Segment",
    "ServiceCredit",
    "ServiceCreditPolicy",
    "ServiceLevelAgreement",
    "SlaBreached",
    "SlaCancelled",
    "SlaClock",
    "SlaFulfilled",
    "SlaRepository",
    "SlaResumed",
    "SlaSelectionContext",
    "SlaStatus",
    "SlaSuspended",
    "SlaWarningReached",
    "StatusChange",
    "Target",
    "TargetUnit",
    "applicable_sla_ids",
    "resume_sla",
    "resume_stored_sla",
    "select_sla",
    "suspend_sla",
    "suspend_stored_sla",
]
