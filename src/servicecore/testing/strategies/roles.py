"""Strategies for roles: grants, users and permissions."""

from __future__ import annotations

from hypothesis import strategies as st

from servicecore.roles import ROLES, Grant, Permission, Policy, User, command_permissions
from servicecore.testing.strategies.kernel import ids

__all__ = ["grants", "policies", "users"]


def grants() -> st.SearchStrategy[Grant]:
    """Grants of a built-in or made-up role on a pattern, either scope, allowing or not."""
    return st.builds(
        Grant,
        role=st.sampled_from([*ROLES, "auditor"]),
        pattern=st.sampled_from(["*", "orders.*", "dispatch.assign", "sla.*", "report.*"]),
        scope=st.sampled_from(["all", "own lines"]),
        allow=st.booleans(),
    )


def users() -> st.SearchStrategy[User]:
    """Users with zero to two built-in roles and, sometimes, a worker id."""
    return st.builds(
        User,
        id=ids("U"),
        roles=st.lists(st.sampled_from(ROLES), max_size=2, unique=True).map(tuple),
        worker_id=st.none() | ids("W"),
    )


def policies() -> st.SearchStrategy[Policy]:
    """The default policy extended with up to three drawn grants."""
    return st.lists(grants(), max_size=3).map(lambda extra: Policy.default().extended(extra))


def register() -> None:
    """Register :class:`Grant`, :class:`User`, :class:`Policy` and :class:`Permission`."""
    st.register_type_strategy(Grant, grants())
    st.register_type_strategy(User, users())
    st.register_type_strategy(Policy, policies())
    st.register_type_strategy(
        Permission, st.deferred(lambda: st.sampled_from(list(command_permissions().values())))
    )
