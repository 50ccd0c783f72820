"""Roles, users, grants and the policy that decides who may run which command.

A :class:`Grant` gives a role the permissions matching a pattern (``fnmatch`` style:
``orders.*``), either on everything (``scope="all"``) or only on the lines booked to the
user (``scope="own lines"``); a grant with ``allow=False`` takes the matching permissions
away from the role again (it wins over the role's allowing grants). The built-in grants
are :data:`DEFAULT_GRANTS`; plugins add theirs through the ``servicecore_role_grants`` hook.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from attrs import field, frozen

from servicecore.errors import ValidationError
from servicecore.ports import check_id, check_items, check_type
from servicecore.roles.catalog import command_permissions

__all__ = [
    "CONSULTANT",
    "DEFAULT_GRANTS",
    "DISPATCHER",
    "OWN_LINES",
    "ROLES",
    "SERVICE_MANAGER",
    "TECHNICIAN",
    "Grant",
    "Policy",
    "User",
]

SERVICE_MANAGER = "service_manager"
DISPATCHER = "dispatcher"
TECHNICIAN = "technician"
CONSULTANT = "consultant"
ROLES = (SERVICE_MANAGER, DISPATCHER, TECHNICIAN, CONSULTANT)
"""The built-in roles, in the order the permission matrix shows them."""

ALL = "all"
OWN_LINES = "own lines"
_SCOPES = (ALL, OWN_LINES)


def _role(value: object) -> str:
    return check_id(value, "role")


def _pattern(value: object) -> str:
    return check_id(value, "pattern")


def _scope(value: object) -> str:
    if value not in _SCOPES:
        raise ValidationError(
            f"scope must be 'all' or 'own lines', not {value!r}",
            field="scope",
            value=value,
            allowed="'all', 'own lines'",
        )
    return str(value)


def _allow(value: object) -> bool:
    return check_type(value, bool, "allow")


@frozen(kw_only=True)
class Grant:
    """Role ``role`` may (``allow``) or may not run the commands whose permission matches
    ``pattern``; ``scope`` "own lines" limits it to lines booked to the user."""

    role: str = field(converter=_role)
    pattern: str = field(converter=_pattern)
    scope: str = field(default=ALL, converter=_scope)
    allow: bool = field(default=True, converter=_allow)

    def matches(self, permission: str) -> bool:
        """Whether ``permission`` matches the pattern."""
        return fnmatchcase(check_id(permission, "permission"), self.pattern)


def _grants(*rows: tuple[str, str, str]) -> tuple[Grant, ...]:
    return tuple(Grant(role=r, pattern=p, scope=s) for r, p, s in rows)


_TECHNICIAN_WORK = (
    ("orders.add_line", OWN_LINES),  # hours, expenses, items: new lines on their orders
    ("orders.sign_off_line", OWN_LINES),
    ("repairs.open_repair", OWN_LINES),
    ("repairs.move_repair_stage", OWN_LINES),
    ("repairs.suggest_resolutions", ALL),
    ("dispatch.start_booking", OWN_LINES),
    ("dispatch.complete_booking", OWN_LINES),
    ("dispatch.load_board", ALL),
    ("bom.load_bom_index", ALL),
)

DEFAULT_GRANTS: tuple[Grant, ...] = (
    # the service manager sets up policies, owns agreements, approves posting: everything,
    # so a command merged tomorrow is never open to all, only to the manager until granted
    *_grants((SERVICE_MANAGER, "*", ALL)),
    # the dispatcher organises technicians, prioritises and maintains orders, changes
    # stages, runs the periodic jobs; posting stays with the manager
    *_grants(
        (DISPATCHER, "dispatch.*", ALL),
        (DISPATCHER, "orders.*", ALL),
        (DISPATCHER, "sla.*", ALL),
        (DISPATCHER, "repairs.*", ALL),
        (DISPATCHER, "service_objects.*", ALL),
        (DISPATCHER, "returns.*", ALL),
        (DISPATCHER, "bom.load_bom_index", ALL),
    ),
    Grant(role=DISPATCHER, pattern="orders.post_order", allow=False),
    # field technicians and consultants perform the work booked to them
    *(Grant(role=TECHNICIAN, pattern=p, scope=s) for p, s in _TECHNICIAN_WORK),
    *(Grant(role=CONSULTANT, pattern=p, scope=s) for p, s in _TECHNICIAN_WORK),
)
"""The built-in policy (domain notes, section 5.2)."""


def _roles(value: object) -> tuple[str, ...]:
    items = check_items(value, str, "roles", "a tuple of role names")
    return tuple(check_id(r, "roles") for r in items)


def _opt_worker(value: object) -> str | None:
    return None if value is None else check_id(value, "worker_id")


def _user_id(value: object) -> str:
    return check_id(value, "id")


@frozen(kw_only=True)
class User:
    """Who acts: an id, the roles held and, for technicians and consultants, the worker id
    their bookings are under."""

    id: str = field(converter=_user_id)
    roles: tuple[str, ...] = field(converter=_roles)
    worker_id: str | None = field(default=None, converter=_opt_worker)


def _grant_list(value: object) -> tuple[Grant, ...]:
    return check_items(value, Grant, "grants", "a tuple of Grant")


@frozen
class Policy:
    """A set of grants; :meth:`scope_of` answers whether a role set may use a permission."""

    grants: tuple[Grant, ...] = field(converter=_grant_list)

    @classmethod
    def default(cls, hooks: object = None) -> Policy:
        """:data:`DEFAULT_GRANTS`, plus the plugins' grants when ``hooks`` (a
        ``servicecore.plugins.Hooks``, e.g. ``default_hooks()``) is given."""
        if hooks is None:
            return cls(DEFAULT_GRANTS)
        role_grants = getattr(hooks, "role_grants", None)
        if not callable(role_grants):
            raise ValidationError(
                f"hooks must be a servicecore.plugins.Hooks, not {hooks!r}",
                field="hooks",
                value=hooks,
                allowed="None or a Hooks facade (servicecore.plugins.default_hooks())",
            )
        return cls((*DEFAULT_GRANTS, *check_items(role_grants(), Grant, "grants")))

    def extended(self, grants: Iterable[Grant]) -> Policy:
        """This policy with ``grants`` added."""
        return Policy((*self.grants, *check_items(grants, Grant, "grants")))

    def roles(self) -> tuple[str, ...]:
        """The built-in roles, then any other role a grant names, sorted."""
        others = sorted({g.role for g in self.grants} - set(ROLES))
        return (*ROLES, *others)

    def role_scope(self, role: str, permission: str) -> str | None:
        """``"all"``, ``"own lines"`` or ``None`` (not granted) for one role."""
        check_id(role, "role")
        found = [g for g in self.grants if g.role == role and g.matches(permission)]
        if not found or any(not g.allow for g in found):
            return None
        return ALL if any(g.scope == ALL for g in found) else OWN_LINES

    def scope_of(self, roles: Iterable[str], permission: str) -> str | None:
        """The widest scope any of ``roles`` has on ``permission`` (``None``: none)."""
        scopes = {self.role_scope(r, permission) for r in _roles(roles)}
        if ALL in scopes:
            return ALL
        return OWN_LINES if OWN_LINES in scopes else None

    def matrix(self) -> dict[str, dict[str, str | None]]:
        """Per command permission, per role: its scope (``None`` when not granted)."""
        return {
            name: {role: self.role_scope(role, name) for role in self.roles()}
            for name in command_permissions()
        }

    def matrix_markdown(self) -> str:
        """The permission matrix as a Markdown table (``yes``, ``own lines`` or ``-``)."""
        roles = self.roles()
        lines = [
            "| permission | kind | " + " | ".join(roles) + " |",
            "|---|---|" + "---|" * len(roles),
        ]
        perms = command_permissions()
        for name, row in self.matrix().items():
            cells = ["yes" if row[r] == ALL else (row[r] or "-") for r in roles]
            lines.append(f"| `{name}` | {perms[name].kind} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"
