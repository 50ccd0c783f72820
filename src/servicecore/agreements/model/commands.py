"""Agreement commands: create, add lines, suspend, stop, templates, copy lines."""

from __future__ import annotations

from collections.abc import Iterable

from attrs import evolve

from servicecore.agreements.model.agreement import Agreement, AgreementLine, CombineBy
from servicecore.agreements.model.checks import (
    _changed,
    _check_agreement,
    _check_bool,
    _check_line,
    _check_period,
    _opt_date,
    _opt_id,
    _refuse,
)
from servicecore.clock import to_date, to_instant
from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    InvalidTransitionError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.money import Currency
from servicecore.ports import (
    check_id,
    check_items,
    check_type,
)

__all__ = [
    "add_agreement_line",
    "cancel_agreement",
    "copy_agreement_lines",
    "copy_template_lines",
    "make_template",
    "new_agreement",
    "restart_line",
    "resume_agreement",
    "stop_line",
    "suspend_agreement",
]


# -- commands -----------------------------------------------------------------------------
def new_agreement(
    *,
    company_id: str,
    id: str,
    customer_id: str,
    group_id: str,
    currency: str | Currency,
    start: object,
    end: object = None,
    project_id: str | None = None,
    description: str = "",
    combine_by: CombineBy = CombineBy.AGREEMENT,
    sla_id: str | None = None,
    preferred_technician_id: str | None = None,
    service_manager_id: str | None = None,
    service_object_ids: Iterable[str] = (),
    service_task_ids: Iterable[str] = (),
) -> Agreement:
    """A new agreement without lines, valid from ``start`` to ``end`` (None: open-ended)."""
    first = to_date(start, "start")
    last = _opt_date(end, "end")
    _check_period(first, last, "end")
    objects = check_items(service_object_ids, str, "service_object_ids", "a list of object ids")
    tasks = check_items(service_task_ids, str, "service_task_ids", "a list of task ids")
    for value in objects:
        check_id(value, "service_object_ids")
    for value in tasks:
        check_id(value, "service_task_ids")
    return Agreement(
        company_id=check_id(company_id, "company_id"),
        id=check_id(id, "id"),
        customer_id=check_id(customer_id, "customer_id"),
        group_id=check_id(group_id, "group_id"),
        currency=Currency.of(currency),
        start=first,
        end=last,
        project_id=_opt_id(project_id, "project_id"),
        description=check_type(description, str, "description"),
        combine_by=check_type(combine_by, CombineBy, "combine_by"),
        sla_id=_opt_id(sla_id, "sla_id"),
        preferred_technician_id=_opt_id(preferred_technician_id, "preferred_technician_id"),
        service_manager_id=_opt_id(service_manager_id, "service_manager_id"),
        service_object_ids=tuple(dict.fromkeys(objects)),
        service_task_ids=tuple(dict.fromkeys(tasks)),
    )


def add_agreement_line(
    agreement: Agreement, line: AgreementLine, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Add ``line``: prices in the agreement currency, objects and tasks related (A2)."""
    _check_agreement(agreement)
    to_instant(at, "at")
    ln = _check_line(agreement, line)
    if any(existing.id == ln.id for existing in agreement.lines):
        raise ValidationError(
            f"line.id: agreement {agreement.id!r} already has a line {ln.id!r}",
            field="line.id",
            value=ln.id,
            allowed="an id not used on this agreement",
        )
    changed = evolve(agreement, lines=(*agreement.lines, ln))
    return changed, (_changed(agreement, "line_added", at, ln.id),)


def _set_flag(
    agreement: Agreement, name: str, value: bool, action: str, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    _check_agreement(agreement)
    to_instant(at, "at")
    if agreement.cancelled:
        raise _refuse(agreement, action, "cancelled")
    if getattr(agreement, name) is value:
        raise _refuse(agreement, action, name if value else f"not {name}")
    changed = (
        evolve(agreement, suspended=value)
        if name == "suspended"
        else evolve(agreement, cancelled=value)
    )
    return changed, (_changed(agreement, action, at),)


def suspend_agreement(
    agreement: Agreement, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Suspend: no order, manual or generated, comes from it until resumed (A3)."""
    return _set_flag(agreement, "suspended", True, "suspend", at)


def resume_agreement(
    agreement: Agreement, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Resume a suspended agreement."""
    return _set_flag(agreement, "suspended", False, "resume", at)


def cancel_agreement(
    agreement: Agreement, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Cancel the agreement for good: it generates nothing and reads as cancelled."""
    return _set_flag(agreement, "cancelled", True, "cancel", at)


def _set_line_flag(
    agreement: Agreement, line_id: str, stopped: bool, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    _check_agreement(agreement)
    to_instant(at, "at")
    line = agreement.line(check_id(line_id, "line_id"))
    action = "stop_line" if stopped else "restart_line"
    if line.stopped is stopped:
        raise InvalidTransitionError(
            entity="agreement line",
            id=line.id,
            state="stopped" if stopped else "running",
            action=action,
        )
    new_line = evolve(line, stopped=stopped)
    lines = tuple(new_line if ln.id == line.id else ln for ln in agreement.lines)
    return evolve(agreement, lines=lines), (_changed(agreement, action, at, line.id),)


def stop_line(
    agreement: Agreement, line_id: str, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Stop one line: it generates nothing and cannot be copied until restarted (A3)."""
    return _set_line_flag(agreement, line_id, True, at)


def restart_line(
    agreement: Agreement, line_id: str, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Restart a stopped line."""
    return _set_line_flag(agreement, line_id, False, at)


def make_template(
    agreement: Agreement, template_group_id: str, *, order_count: int, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Make ``agreement`` a template in ``template_group_id``; refused when it has orders
    (``order_count`` is the number of service orders of the agreement, A4)."""
    _check_agreement(agreement)
    group = check_id(template_group_id, "template_group_id")
    to_instant(at, "at")
    if isinstance(order_count, bool) or not isinstance(order_count, int) or order_count < 0:
        raise ValidationError(
            f"order_count: expected a whole number of orders, got {order_count!r}",
            field="order_count",
            value=order_count,
            allowed="0, 1, 2, ...",
        )
    if order_count:
        raise BusinessRuleError(
            f"agreement {agreement.id!r} has {order_count} service orders: an agreement "
            "with orders cannot become a template",
            rule="A4",
            entity="agreement",
            id=agreement.id,
        )
    if agreement.is_template:
        raise _refuse(agreement, "make template", "template")
    changed = evolve(agreement, template_group_id=group)
    return changed, (_changed(agreement, "made_template", at),)


def _next_ids(target: Agreement, count: int) -> list[str]:
    used = {ln.id for ln in target.lines}
    out: list[str] = []
    n = len(target.lines)
    while len(out) < count:
        n += 1
        if str(n) not in used:
            out.append(str(n))
    return out


def _pick(source: Agreement, line_ids: Iterable[str] | None, field: str) -> list[AgreementLine]:
    if line_ids is None:
        chosen = [ln for ln in source.lines if not ln.stopped]
    else:
        ids = check_items(line_ids, str, field, "a list of line ids")
        chosen = [source.line(i) for i in dict.fromkeys(ids)]
        stopped = [ln.id for ln in chosen if ln.stopped]
        if stopped:
            raise BusinessRuleError(
                f"{field}: lines {', '.join(stopped)} of {source.id!r} are stopped and "
                "cannot be copied",
                rule="A3",
                entity="agreement",
                id=source.id,
            )
    return chosen


def _copy_into(
    source: Agreement,
    target: Agreement,
    chosen: list[AgreementLine],
    with_relations: bool,
    action: str,
    at: object,
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    if target.currency != source.currency:
        raise CurrencyMismatchError(
            f"target: agreement {target.id!r} is in {target.currency}, the source "
            f"{source.id!r} in {source.currency} (allowed: {target.currency})",
            expected=str(target.currency),
            actual=str(source.currency),
        )
    objects, tasks = target.service_object_ids, target.service_task_ids
    if with_relations:
        objects = tuple(
            dict.fromkeys(
                (*objects, *(ln.service_object_id for ln in chosen if ln.service_object_id))
            )
        )
        tasks = tuple(
            dict.fromkeys((*tasks, *(ln.service_task_id for ln in chosen if ln.service_task_id)))
        )
    widened = evolve(target, service_object_ids=objects, service_task_ids=tasks)
    copies = [
        evolve(ln, id=new_id, generated_through=None)
        for ln, new_id in zip(chosen, _next_ids(target, len(chosen)), strict=True)
    ]
    for copy in copies:
        _check_line(widened, copy, "line_ids")
    changed = evolve(widened, lines=(*target.lines, *copies))
    return changed, (_changed(target, action, at, *(c.id for c in copies)),)


def copy_template_lines(
    template: Agreement,
    target: Agreement,
    *,
    at: object,
    line_ids: Iterable[str] | None = None,
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Copy lines of ``template`` (all that are not stopped, or ``line_ids``) into
    ``target``, with their object and task relations (always, A5a). The copies get new
    line ids on the target."""
    _check_agreement(template, "template")
    _check_agreement(target, "target")
    to_instant(at, "at")
    if not template.is_template:
        raise BusinessRuleError(
            f"template: agreement {template.id!r} is not a template",
            rule="A5",
            entity="agreement",
            id=template.id,
        )
    chosen = _pick(template, line_ids, "line_ids")
    return _copy_into(template, target, chosen, True, "template_lines_copied", at)


def copy_agreement_lines(
    source: Agreement,
    target: Agreement,
    *,
    at: object,
    line_ids: Iterable[str] | None = None,
    with_relations: bool = False,
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Copy lines of another agreement into ``target``; with ``with_relations`` their object
    and task relations are appended to the target's (A5b), otherwise the target must
    already relate every object and task the copies reference."""
    _check_agreement(source, "source")
    _check_agreement(target, "target")
    to_instant(at, "at")
    _check_bool(with_relations, "with_relations")
    if source.id == target.id:
        raise ValidationError(
            "target: lines are copied from another agreement",
            field="target",
            value=target.id,
            allowed="an agreement other than the source",
        )
    chosen = _pick(source, line_ids, "line_ids")
    return _copy_into(source, target, chosen, with_relations, "agreement_lines_copied", at)
