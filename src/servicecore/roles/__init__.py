"""Roles and permissions: who may run which command.

Every public command of every domain module has a permission, found by walking the API
(:func:`command_permissions`); :class:`Policy` grants them to roles; :func:`act` runs a
command as a :class:`User` after checking, and raises ``PermissionDeniedError`` naming the
missing permission before anything changes. See ``docs/roles.md``.
"""

from servicecore.roles.act import Authorizer, act
from servicecore.roles.catalog import Permission, command_permissions, permission_for
from servicecore.roles.policy import (
    CONSULTANT,
    DEFAULT_GRANTS,
    DISPATCHER,
    OWN_LINES,
    ROLES,
    SERVICE_MANAGER,
    TECHNICIAN,
    Grant,
    Policy,
    User,
)

__all__ = [
    "CONSULTANT",
    "DEFAULT_GRANTS",
    "DISPATCHER",
    "OWN_LINES",
    "ROLES",
    "SERVICE_MANAGER",
    "TECHNICIAN",
    "Authorizer",
    "Grant",
    "Permission",
    "Policy",
    "User",
    "act",
    "command_permissions",
    "permission_for",
]
