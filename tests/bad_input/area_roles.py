"""Bad-input entries for roles and permissions (found by tests/bad_input/entries.py)."""

from __future__ import annotations

from typing import Any

import servicecore.roles as roles
from servicecore.orders import sign_off_line
from servicecore.roles import Authorizer, Grant, Policy, User
from tests.bad_input.engine import Entry, call, method
from tests.builders.dispatch import AT, booking, store_with_order

MODULES: tuple[Any, ...] = (roles,)

_R = "servicecore.roles."

EXCLUDED: dict[str, str] = {
    _R + "CONSULTANT": "a constant",
    _R + "DISPATCHER": "a constant",
    _R + "SERVICE_MANAGER": "a constant",
    _R + "TECHNICIAN": "a constant",
    _R + "OWN_LINES": "a constant",
    _R + "ROLES": "a constant",
    _R + "DEFAULT_GRANTS": "a constant",
    _R + "Permission": "built only by the catalog walk",
    _R + "command_permissions": "takes no arguments",
    _R + "Policy.roles": "takes no arguments",
    _R + "Policy.matrix": "takes no arguments",
    _R + "Policy.matrix_markdown": "takes no arguments",
    "servicecore.plugins.Hooks.role_grants": "takes no arguments (its plugin results are "
    "checked by tests/unit/test_roles.py)",
}

TECH = User(id="anna", roles=("technician",), worker_id="ANNA")
MANAGER = User(id="mia", roles=("service_manager",))


def _order() -> Any:
    from servicecore.orders import SERVICE_ORDERS

    with store_with_order().unit_of_work("ACME") as uow:
        return uow[SERVICE_ORDERS].get("SO-1")


def _policy() -> Policy:
    return Policy.default()


def entries() -> list[Entry]:
    return [
        Entry(
            _R + "Grant",
            lambda: call(Grant, role="auditor", pattern="report.*", scope="all", allow=True),
        ),
        Entry(
            _R + "Grant.matches",
            lambda: method(Grant(role="r", pattern="orders.*"), "matches", permission="orders.x"),
        ),
        Entry(_R + "User", lambda: call(User, id="u", roles=("dispatcher",), worker_id="W")),
        Entry(_R + "Policy", lambda: call(Policy, grants=[Grant(role="r", pattern="*")])),
        Entry(_R + "Policy.default", lambda: call(Policy.default, hooks=None)),
        Entry(
            _R + "Policy.extended",
            lambda: method(_policy(), "extended", grants=[Grant(role="r", pattern="*")]),
        ),
        Entry(
            _R + "Policy.role_scope",
            lambda: method(_policy(), "role_scope", role="technician", permission="orders.x"),
        ),
        Entry(
            _R + "Policy.scope_of",
            lambda: method(
                _policy(), "scope_of", roles=["technician"], permission="orders.add_line"
            ),
        ),
        Entry(
            _R + "Authorizer",
            lambda: call(Authorizer, policy=_policy(), bookings=[booking("B1")]),
        ),
        Entry(
            _R + "Authorizer.check",
            lambda: method(
                Authorizer(_policy()),
                "check",
                user=MANAGER,
                command=sign_off_line,
                arguments={"line_id": "L1"},
            ),
        ),
        Entry(
            _R + "Authorizer.act",
            lambda: method(
                Authorizer(_policy()),
                "act",
                user=MANAGER,
                command=sign_off_line,
                order=_order(),
                line_id="L1",
                at=AT,
            ),
        ),
        Entry(_R + "Authorizer.guard", lambda: method(Authorizer(_policy()), "guard", user=TECH)),
        Entry(
            _R + "act",
            lambda: call(
                roles.act, user=MANAGER, command=sign_off_line, order=_order(), line_id="L1", at=AT
            ),
        ),
        Entry(_R + "permission_for", lambda: call(roles.permission_for, command=sign_off_line)),
    ]
