"""Service agreements (D365 SMAAgreementTable): header, lines, groups, templates, commands.

Every command is pure: ``command(agreement, ..., *, at) -> (agreement, events)``. It checks
all its input first and builds the changed agreement with ``attrs.evolve``; a refused
command raises a :mod:`servicecore.errors` exception and changes nothing.

A package since it outgrew one file; every name is re-exported here, so imports from
``servicecore.agreements.model`` (and ``servicecore.agreements``) are unchanged:

* ``agreement``: the values, the :class:`Agreement` aggregate, groups, template groups,
  their events, repositories and aggregate types;
* ``commands``: creating an agreement, adding lines, suspend / resume / cancel,
  stop / restart a line, templates and copying lines (checks shared in ``checks``);
* ``terms``: the state of an agreement or line as of a date, and renewal.
"""

from __future__ import annotations

from servicecore.agreements.model.agreement import (
    AGREEMENT_GROUPS,
    AGREEMENTS,
    ENDING_SOON_DAYS,
    MAX_QUANTITY,
    TEMPLATE_GROUPS,
    Agreement,
    AgreementChanged,
    AgreementGroup,
    AgreementGroupRepository,
    AgreementLine,
    AgreementRenewed,
    AgreementRepository,
    AgreementState,
    CombineBy,
    TemplateGroup,
    TemplateGroupRepository,
    TimeWindow,
    WindowKind,
)
from servicecore.agreements.model.commands import (
    add_agreement_line,
    cancel_agreement,
    copy_agreement_lines,
    copy_template_lines,
    make_template,
    new_agreement,
    restart_line,
    resume_agreement,
    stop_line,
    suspend_agreement,
)
from servicecore.agreements.model.terms import agreement_state, line_state, renew_agreement
from servicecore.agreements.plan import TimeBand

__all__ = [
    "AGREEMENTS",
    "AGREEMENT_GROUPS",
    "ENDING_SOON_DAYS",
    "MAX_QUANTITY",
    "TEMPLATE_GROUPS",
    "Agreement",
    "AgreementChanged",
    "AgreementGroup",
    "AgreementGroupRepository",
    "AgreementLine",
    "AgreementRenewed",
    "AgreementRepository",
    "AgreementState",
    "CombineBy",
    "TemplateGroup",
    "TemplateGroupRepository",
    "TimeBand",
    "TimeWindow",
    "WindowKind",
    "add_agreement_line",
    "agreement_state",
    "cancel_agreement",
    "copy_agreement_lines",
    "copy_template_lines",
    "line_state",
    "make_template",
    "new_agreement",
    "renew_agreement",
    "restart_line",
    "resume_agreement",
    "stop_line",
    "suspend_agreement",
]
