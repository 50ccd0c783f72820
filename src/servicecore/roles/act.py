"""Acting as a user: the permission check that runs before a command changes anything.

``act(user, command, *args, **kwargs)`` looks up the command's permission, checks it
against the policy for the user's roles, applies the own-lines rule when the user only has
that scope, and only then calls ``command(*args, **kwargs)``. No other module changes: any
public command can be run through it, including those of modules merged later.

**The own-lines rule** (technicians and consultants): the call's arguments are read to find
what it touches, and an open booking to the user's ``worker_id`` must cover it:

* a ``booking_id`` (board commands): that booking must be the worker's;
* an existing line (``line_id`` with an ``order``, ``source`` or ``order_id``): the line
  must have an open booking to the worker;
* a new line (``line``, as for ``orders.add_line``): it must carry the worker's
  ``worker_id`` (a technician records their own hours, expenses and items) and the order
  must have an open booking to the worker;
* an order only (``order_id``, or a ``repair_id`` whose repair names the order): the order
  must have an open booking to the worker.

Bookings are read from the call's ``uow`` or ``board`` argument, or from the ``bookings``
given to :class:`Authorizer` (for pure commands). Anything it cannot resolve is refused.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from servicecore.dispatch import BOOKINGS, Booking, DispatchBoard
from servicecore.errors import NotFoundError, PermissionDeniedError, ValidationError
from servicecore.ports import check_items, check_type
from servicecore.roles.catalog import Permission, permission_for
from servicecore.roles.policy import ALL, Policy, User

__all__ = ["Authorizer", "act"]

BookingSource = Callable[[str], Iterable[Booking]]
"""Given an order id, the bookings of its lines."""


def _deny(user: User, permission: Permission, why: str) -> PermissionDeniedError:
    return PermissionDeniedError(
        f"user {user.id!r} (roles: {', '.join(user.roles) or 'none'}) may not run "
        f"{permission.command}: {why}",
        action=permission.command,
        role=",".join(user.roles),
        permission=permission.name,
    )


class Authorizer:
    """Checks users against a policy; ``bookings`` resolves the own-lines rule for pure
    commands (a function order id -> bookings, or the bookings themselves). Without a
    ``policy`` it uses ``Policy.default()`` (the built-in grants)."""

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        bookings: BookingSource | Iterable[Booking] | None = None,
    ) -> None:
        if policy is not None:
            check_type(policy, Policy, "policy")
        self._policy = policy
        self._bookings: BookingSource | None
        if bookings is None or callable(bookings):
            self._bookings = bookings
        else:
            known = check_items(bookings, Booking, "bookings", "bookings or a function")
            self._bookings = lambda order_id: [b for b in known if b.order_id == order_id]

    @property
    def policy(self) -> Policy:
        if self._policy is None:
            self._policy = Policy.default()
        return self._policy

    def check(
        self, user: User, command: Callable[..., Any], arguments: Mapping[str, Any]
    ) -> Permission:
        """Raise ``PermissionDeniedError`` unless ``user`` may run ``command`` with these
        (named) arguments; return the permission."""
        check_type(user, User, "user")
        check_type(arguments, Mapping, "arguments", "a mapping of argument name to value")
        permission = permission_for(command)
        scope = self.policy.scope_of(user.roles, permission.name)
        if scope is None:
            holders = [r for r in self.policy.roles() if self.policy.role_scope(r, permission.name)]
            raise _deny(
                user,
                permission,
                f"it needs permission {permission.name!r}, granted to "
                f"{', '.join(holders) or 'no role'}",
            )
        if scope != ALL:
            self._own_lines(user, permission, arguments)
        return permission

    def act(self, user: User, command: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Check, then run ``command(*args, **kwargs)`` and return its result."""
        try:
            bound = inspect.signature(command).bind_partial(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"command: the arguments do not fit {getattr(command, '__name__', command)}: {exc}",
                field="command",
                value=command,
                allowed="the command's own parameters",
            ) from exc
        self.check(user, command, bound.arguments)
        return command(*args, **kwargs)

    def guard(self, user: User) -> Callable[[Callable[..., Any], Mapping[str, Any]], None]:
        """A guard for ``BoardSession(board, guard=...)``: every edit is checked for ``user``."""
        check_type(user, User, "user")

        def check(command: Callable[..., Any], kwargs: Mapping[str, Any]) -> None:
            self.check(user, command, kwargs)

        return check

    # -- the own-lines rule ------------------------------------------------------------
    def _source(self, arguments: Mapping[str, Any]) -> BookingSource | None:
        if self._bookings is not None:
            return self._bookings
        board = arguments.get("board")
        if isinstance(board, DispatchBoard):
            return lambda order_id: [b for b in board.bookings.values() if b.order_id == order_id]
        uow = arguments.get("uow")
        if uow is not None and hasattr(uow, "records"):
            return lambda order_id: uow[BOOKINGS].list_for_order(order_id)
        return None

    def _own_lines(self, user: User, permission: Permission, arguments: Mapping[str, Any]) -> None:
        me = user.worker_id
        if me is None:
            raise _deny(
                user,
                permission,
                "it is allowed only on lines booked to the user, and the user has no worker_id",
            )
        booking_id = arguments.get("booking_id")
        board = arguments.get("board")
        if isinstance(booking_id, str):
            try:
                if isinstance(board, DispatchBoard):
                    booking = board.booking(booking_id)
                elif arguments.get("uow") is not None:
                    booking = arguments["uow"][BOOKINGS].get(booking_id)
                else:
                    raise _deny(user, permission, "the booking cannot be looked up")
            except NotFoundError:  # a booking the call would create (book_line) is no one's yet
                raise _deny(
                    user,
                    permission,
                    f"booking {booking_id!r} does not exist: the own-lines scope covers only "
                    f"bookings already booked to {me!r}",
                ) from None
            if booking.worker_id != me:
                raise _deny(user, permission, f"booking {booking_id!r} is not booked to {me!r}")
            return
        order_id = self._order_id(arguments)
        source = self._source(arguments)
        if order_id is None or source is None:
            raise _deny(user, permission, "the line it touches and its bookings cannot be resolved")
        mine = [b for b in source(order_id) if b.is_open and b.worker_id == me]
        line_id = arguments.get("line_id")
        line = arguments.get("line")
        if isinstance(line_id, str):
            if not any(b.line_id == line_id for b in mine):
                raise _deny(
                    user,
                    permission,
                    f"line {line_id!r} of order {order_id!r} is not booked to {me!r}",
                )
            return
        if line is not None and getattr(line, "worker_id", me) != me:
            raise _deny(
                user,
                permission,
                f"the new line is for worker {getattr(line, 'worker_id', None)!r}, not {me!r}",
            )
        if not mine:
            raise _deny(user, permission, f"no line of order {order_id!r} is booked to {me!r}")

    @staticmethod
    def _order_id(arguments: Mapping[str, Any]) -> str | None:
        for name in ("order", "source"):
            order = arguments.get(name)
            if order is not None and isinstance(getattr(order, "id", None), str):
                return str(order.id)
        order_id = arguments.get("order_id")
        if isinstance(order_id, str):
            return order_id
        repair_id, uow = arguments.get("repair_id"), arguments.get("uow")
        if isinstance(repair_id, str) and uow is not None:
            from servicecore.repairs import REPAIRS

            return str(uow[REPAIRS].get(repair_id).order_id)
        return None


def act(user: User, command: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``command(*args, **kwargs)`` as ``user`` under :data:`DEFAULT_GRANTS`, after the
    permission check; see the module docs for the own-lines rule. For plugin grants or a
    host's policy use ``Authorizer(Policy.default(default_hooks())).act(...)``."""
    return Authorizer().act(user, command, *args, **kwargs)
