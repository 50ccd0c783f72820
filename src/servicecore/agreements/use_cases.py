"""Agreement use cases: load, check against storage, save, record the events.

Generating orders from stored agreements, making a stored agreement a template (which needs
its order count) and creating an order for an agreement live in
:mod:`servicecore.orders.from_agreements`: orders build on agreements, never the reverse.
"""

from __future__ import annotations

from servicecore.agreements.model import (
    AGREEMENT_GROUPS,
    AGREEMENTS,
    TEMPLATE_GROUPS,
    Agreement,
    AgreementChanged,
    AgreementGroup,
    TemplateGroup,
    renew_agreement,
)
from servicecore.clock import Clock, read_clock
from servicecore.errors import BusinessRuleError, NotFoundError
from servicecore.ports import UnitOfWork, check_id, check_type

__all__ = [
    "create_agreement",
    "create_agreement_group",
    "create_template_group",
    "renew_stored_agreement",
]


def _event(aggregate_id: str, company_id: str, action: str, clock: Clock) -> AgreementChanged:
    return AgreementChanged(
        aggregate_id=aggregate_id,
        company_id=company_id,
        occurred_at=read_clock(clock),
        action=action,
    )


def create_agreement_group(uow: UnitOfWork, group: AgreementGroup, *, clock: Clock) -> None:
    """Store a new agreement group (``AlreadyExistsError`` at commit if the id is taken)."""
    check_type(group, AgreementGroup, "group")
    check_id(group.id, "group.id")
    if group.sla_id is not None:
        check_id(group.sla_id, "group.sla_id")
    event = _event(group.id, uow.company_id, "group_created", clock)
    uow[AGREEMENT_GROUPS].add(group)
    uow.record([event])


def create_template_group(uow: UnitOfWork, group: TemplateGroup, *, clock: Clock) -> None:
    """Store a template group under an existing parent (or as a root): the groups form a
    tree, since a parent must exist before its children."""
    check_type(group, TemplateGroup, "group")
    check_id(group.id, "group.id")
    if group.parent_id is not None:
        check_id(group.parent_id, "group.parent_id")
        if group.parent_id == group.id:
            raise BusinessRuleError(
                f"group.parent_id: template group {group.id!r} cannot be its own parent",
                rule="template-tree",
                entity="template group",
                id=group.id,
            )
        uow[TEMPLATE_GROUPS].get(group.parent_id)
    event = _event(group.id, uow.company_id, "template_group_created", clock)
    uow[TEMPLATE_GROUPS].add(group)
    uow.record([event])


def create_agreement(uow: UnitOfWork, agreement: Agreement, *, clock: Clock) -> None:
    """Store a new agreement whose group (and template group, for a template) exists."""
    check_type(agreement, Agreement, "agreement")
    check_id(agreement.group_id, "agreement.group_id")
    if agreement.company_id != uow.company_id:
        raise BusinessRuleError(
            f"agreement.company_id: {agreement.company_id!r} is not this unit of work's "
            f"company {uow.company_id!r}",
            rule="same-company",
            entity="agreement",
            id=agreement.id,
        )
    try:
        uow[AGREEMENT_GROUPS].get(agreement.group_id)
    except NotFoundError:
        raise NotFoundError(
            f"agreement.group_id: no agreement group {agreement.group_id!r}",
            entity="agreement group",
            id=agreement.group_id,
        ) from None
    if agreement.template_group_id is not None:
        uow[TEMPLATE_GROUPS].get(check_id(agreement.template_group_id, "template_group_id"))
    event = _event(agreement.id, agreement.company_id, "created", clock)
    uow[AGREEMENTS].add(agreement)
    uow.record([event])


def renew_stored_agreement(
    uow: UnitOfWork, agreement_id: str, *, new_id: str, clock: Clock, end: object = None
) -> Agreement:
    """Renew a stored agreement into ``new_id`` (see :func:`renew_agreement`); returns the
    new agreement."""
    old = uow[AGREEMENTS].get(check_id(agreement_id, "agreement_id"))
    renewed, new, events = renew_agreement(old, new_id=new_id, at=read_clock(clock), end=end)
    uow[AGREEMENTS].save(renewed)
    uow[AGREEMENTS].add(new)
    uow.record(events)
    return new
