"""Roles and permissions: every public command has one, checks run before anything changes,
technicians act only on lines booked to them, plugins extend the policy, the doc's matrix is
the generated one."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import servicecore
from servicecore.dispatch import (
    BOOKINGS,
    BoardSession,
    assign,
    book_line,
    complete_booking,
    load_board,
    start_booking,
)
from servicecore.dispatch import dispatch as dispatch_booking
from servicecore.errors import PermissionDeniedError, PluginError, ValidationError
from servicecore.orders import add_line, cancel_line, post_order, sign_off_line
from servicecore.plugins import Hooks, get_plugin_manager, hookimpl
from servicecore.roles import (
    CONSULTANT,
    DISPATCHER,
    SERVICE_MANAGER,
    TECHNICIAN,
    Authorizer,
    Grant,
    Policy,
    User,
    act,
    command_permissions,
    permission_for,
)
from tests.builders.dispatch import AT, CLOCK, TREE, at, board, booking, hour_line, store_with_order

ROOT = Path(__file__).resolve().parents[2]
NOT_DOMAIN = (
    "servicecore.testing",
    "servicecore.storage",
    "servicecore.plugins",
    "servicecore.cli",
    "servicecore.demo",
    "servicecore.ports",
    "servicecore.uow",
    "servicecore.roles",
)

MANAGER = User(id="mia", roles=(SERVICE_MANAGER,))
DISPATCH = User(id="dan", roles=(DISPATCHER,))
ANNA = User(id="anna", roles=(TECHNICIAN,), worker_id="ANNA")
BO = User(id="bo", roles=(CONSULTANT,), worker_id="BO")
NOBODY = User(id="guest", roles=())


def public_commands() -> dict[str, Callable[..., Any]]:
    """Walked here, independently of the catalog: public functions taking uow or at."""
    found: dict[int, tuple[str, Callable[..., Any]]] = {}
    for info in pkgutil.walk_packages(servicecore.__path__, "servicecore."):
        if info.name.startswith(NOT_DOMAIN) or "._" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                params = inspect.signature(obj).parameters
                if "uow" in params or "at" in params:
                    found.setdefault(id(obj), (f"{obj.__module__}.{obj.__qualname__}", obj))
    return dict(sorted(found.values()))


COMMANDS = public_commands()


def test_the_walk_finds_commands_of_every_area_on_main() -> None:
    areas = {permission_for(f).area for f in COMMANDS.values()}
    assert {"orders", "repairs", "dispatch", "subscriptions", "sla", "bom"} <= areas


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_public_command_has_a_permission_that_is_checked_first(name: str) -> None:
    command = COMMANDS[name]
    permission = permission_for(command)
    assert command_permissions()[permission.name] is permission
    assert permission.command == name
    assert Policy.default().scope_of([SERVICE_MANAGER], permission.name) == "all"
    with pytest.raises(PermissionDeniedError) as err:
        act(NOBODY, command)  # no arguments: the command would fail if it ran
    assert err.value.permission == permission.name
    assert permission.name in str(err.value)


def test_the_catalog_has_no_permission_without_a_command() -> None:
    assert {p.command for p in command_permissions().values()} == set(COMMANDS)


def test_a_function_that_is_no_command_has_no_permission() -> None:
    with pytest.raises(ValidationError):
        permission_for(print)


def test_the_dispatcher_cannot_post_but_the_manager_can() -> None:
    policy = Policy.default()
    assert policy.scope_of([DISPATCHER], "orders.post_order") is None
    assert policy.scope_of([DISPATCHER], "orders.cancel_line") == "all"
    assert policy.scope_of([SERVICE_MANAGER], "orders.post_order") == "all"
    assert policy.scope_of([TECHNICIAN], "subscriptions.activate") is None
    with pytest.raises(PermissionDeniedError) as err:
        act(DISPATCH, post_order)
    assert err.value.permission == "orders.post_order"
    assert "service_manager" in str(err.value)


def _order_with_bookings() -> tuple[Any, list[Any]]:
    store = store_with_order()
    with store.unit_of_work("ACME") as uow:
        order = uow[servicecore_orders().SERVICE_ORDERS].get("SO-1")
    bookings = [
        booking("B1", line="L1", worker_id="ANNA", start=at(0, 9), end=at(0, 10)),
        booking("B2", line="L2", worker_id="BO", start=at(0, 9), end=at(0, 10)),
    ]
    return order, bookings


def servicecore_orders() -> Any:
    return importlib.import_module("servicecore.orders")


def test_a_technician_touches_only_lines_booked_to_them() -> None:
    order, bookings = _order_with_bookings()
    guard = Authorizer(bookings=bookings)
    changed, _ = guard.act(ANNA, sign_off_line, order, "L1", at=AT)
    assert changed.line("L1").signed_off
    with pytest.raises(PermissionDeniedError) as err:
        guard.act(ANNA, sign_off_line, order, "L2", at=AT)  # booked to BO
    assert err.value.permission == "orders.sign_off_line"
    assert "not booked to 'ANNA'" in str(err.value)
    guard.act(BO, sign_off_line, order, "L2", at=AT)  # consultants work the same way
    with pytest.raises(PermissionDeniedError):
        guard.act(ANNA, cancel_line, order, "L1", tree=TREE, at=AT)  # not a technician's


def test_a_technician_records_hours_only_for_themselves_on_their_orders() -> None:
    order, bookings = _order_with_bookings()
    guard = Authorizer(bookings=bookings)
    changed, _ = guard.act(ANNA, add_line, order, hour_line("H1", "ANNA"), tree=TREE, at=AT)
    assert changed.line("H1").worker_id == "ANNA"
    with pytest.raises(PermissionDeniedError):
        guard.act(ANNA, add_line, order, hour_line("H2", "BO"), tree=TREE, at=AT)
    with pytest.raises(PermissionDeniedError):  # no booking to ANNA on the order any more
        Authorizer(bookings=bookings[1:]).act(
            ANNA, add_line, order, hour_line("H3", "ANNA"), tree=TREE, at=AT
        )
    with pytest.raises(PermissionDeniedError):  # the bookings cannot be looked up
        act(ANNA, add_line, order, hour_line("H4", "ANNA"), tree=TREE, at=AT)
    with pytest.raises(PermissionDeniedError):  # a technician without a worker id
        guard.act(
            User(id="x", roles=(TECHNICIAN,)), add_line, order, hour_line("H5"), tree=TREE, at=AT
        )


def test_a_cancelled_booking_no_longer_makes_the_line_yours() -> None:
    from servicecore.dispatch import BookingStatus

    order, bookings = _order_with_bookings()
    gone = [bookings[0].__class__(**{**_fields(bookings[0]), "status": BookingStatus.CANCELLED})]
    with pytest.raises(PermissionDeniedError):
        Authorizer(bookings=gone).act(ANNA, sign_off_line, order, "L1", at=AT)


def _fields(obj: Any) -> dict[str, Any]:
    import attrs

    return attrs.asdict(obj, recurse=False)


def test_technicians_start_and_complete_only_their_own_bookings_on_the_board() -> None:
    b = board(
        booking("B1", worker_id="ANNA", start=at(0, 9), end=at(0, 10)),
        booking("B2", worker_id="BO", start=at(0, 9), end=at(0, 10)),
    )
    b = dispatch_booking(dispatch_booking(b, "B1", at=AT).board, "B2", at=AT).board
    started = act(ANNA, start_booking, b, "B1", at=AT).board
    act(ANNA, complete_booking, started, "B1", at=AT)
    with pytest.raises(PermissionDeniedError) as err:
        act(ANNA, start_booking, b, "B2", at=AT)
    assert "booking 'B2' is not booked to 'ANNA'" in str(err.value)


def test_the_board_session_checks_every_edit_of_its_user() -> None:
    authorizer = Authorizer()
    mine = BoardSession(board(booking("B1")), guard=authorizer.guard(ANNA))
    with pytest.raises(PermissionDeniedError) as err:
        mine.apply(assign, booking_id="B1", worker_id="ANNA", start=at(0, 9), end=at(0, 10), at=AT)
    assert err.value.permission == "dispatch.assign"
    assert mine.pending == ()
    theirs = BoardSession(board(booking("B1")), guard=authorizer.guard(DISPATCH))
    theirs.apply(assign, booking_id="B1", worker_id="ANNA", start=at(0, 9), end=at(0, 10), at=AT)
    assert len(theirs.pending) == 1


def test_a_refused_use_case_stages_nothing() -> None:
    store = store_with_order()
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(PermissionDeniedError):
            act(ANNA, book_line, uow, "B1", "SO-1", "L1", clock=CLOCK)
        assert uow[BOOKINGS].list_all() == []
        act(DISPATCH, book_line, uow, "B1", "SO-1", "L1", clock=CLOCK)
        assert act(ANNA, load_board, uow).bookings["B1"].line_id == "L1"


def test_an_own_lines_grant_never_covers_a_booking_the_call_would_create() -> None:
    # book_line's booking_id names the booking it creates: under an own-lines grant the
    # technician is refused for want of permission (not told the booking is not found)
    policy = Policy.default().extended(
        [Grant(role=TECHNICIAN, pattern="dispatch.book_line", scope="own lines")]
    )
    store = store_with_order()
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(PermissionDeniedError, match="'B1' does not exist") as err:
            Authorizer(policy).act(ANNA, book_line, uow, "B1", "SO-1", "L1", clock=CLOCK)
        assert err.value.permission == "dispatch.book_line"
        assert uow[BOOKINGS].list_all() == []
        session = BoardSession(board(), guard=Authorizer(policy).guard(ANNA))
        with pytest.raises(PermissionDeniedError, match="'B9' does not exist"):
            session.apply(start_booking, booking_id="B9", at=AT)


def test_arguments_that_do_not_fit_the_command_are_refused() -> None:
    with pytest.raises(ValidationError):
        act(MANAGER, post_order, 1, 2, 3, 4)


class ExtraGrants:
    @hookimpl
    def servicecore_role_grants(self) -> list[Grant]:
        return [
            Grant(role=TECHNICIAN, pattern="orders.cancel_line", scope="own lines"),
            Grant(role="auditor", pattern="report.*"),
            Grant(role=DISPATCHER, pattern="sla.*", allow=False),
        ]


class BadGrants:
    @hookimpl
    def servicecore_role_grants(self) -> list[str]:
        return ["orders.*"]


def test_a_plugin_extends_the_policy_through_servicecore_role_grants() -> None:
    hooks = Hooks(get_plugin_manager(plugins=[ExtraGrants()], load_entrypoints=False))
    policy = Policy.default(hooks)
    assert policy.scope_of([TECHNICIAN], "orders.cancel_line") == "own lines"
    assert policy.scope_of(["auditor"], "report.collect_report") == "all"
    assert policy.scope_of([DISPATCHER], "sla.suspend_sla") is None
    assert "auditor" in policy.roles()
    order, bookings = _order_with_bookings()
    changed, _ = Authorizer(policy, bookings=bookings).act(
        ANNA, cancel_line, order, "L1", tree=TREE, at=AT
    )
    assert changed.line("L1").status.value == "cancelled"
    with pytest.raises(PluginError):
        Policy.default(Hooks(get_plugin_manager(plugins=[BadGrants()], load_entrypoints=False)))


def test_permission_denied_names_the_permission_and_survives_pickle() -> None:
    err = PermissionDeniedError("no", action="post", role="technician", permission="orders.x")
    back = pickle.loads(pickle.dumps(err))
    assert (back.permission, back.role, str(back)) == ("orders.x", "technician", "no")


def test_docs_roles_md_has_the_generated_matrix() -> None:
    text = (ROOT / "docs" / "roles.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- matrix:start -->\n(.*?)<!-- matrix:end -->", text, re.DOTALL)
    assert found, "docs/roles.md has no <!-- matrix:start --> ... <!-- matrix:end --> block"
    expected = Policy.default().matrix_markdown()
    assert found.group(1) == expected, (
        "docs/roles.md's matrix is not the generated one; regenerate it with "
        "servicecore.roles.Policy.default().matrix_markdown() (see docs/roles.md)"
    )


def test_a_technician_opens_repairs_only_on_orders_booked_to_them() -> None:
    from servicecore.repairs import open_repair

    store = store_with_order()
    with store.unit_of_work("ACME") as uow:
        act(DISPATCH, book_line, uow, "B1", "SO-1", "L1", clock=CLOCK)
        board_now = act(DISPATCH, load_board, uow)
        change = act(DISPATCH, assign, board_now, "B1", "ANNA", at(0, 9), at(0, 10), at=AT)
        uow[BOOKINGS].save(change.after)
        args = {"uow": uow, "order_id": "SO-1", "repair_id": "R1", "relation_id": "REL"}
        assert Authorizer().check(ANNA, open_repair, args).name == "repairs.open_repair"
        with pytest.raises(PermissionDeniedError) as err:
            Authorizer().check(BO, open_repair, args)
        assert "no line of order 'SO-1' is booked to 'BO'" in str(err.value)
        with pytest.raises(PermissionDeniedError):
            act(
                BO,
                open_repair,
                uow,
                repair_id="R1",
                order_id="SO-1",
                relation_id="REL",
                code_set="STD",
                clock=CLOCK,
            )


def test_a_technician_moves_only_repairs_of_orders_booked_to_them() -> None:
    from servicecore.clock import FixedClock
    from servicecore.repairs import REPAIR_CODES, REPAIRS, move_repair_stage
    from tests.builders.bom import CODES, T0, opened

    store = store_with_order()
    later = FixedClock(T0.replace(hour=9))
    with store.unit_of_work("ACME") as uow:
        uow[REPAIR_CODES].add(CODES)
        uow[REPAIRS].add(opened("R-1"))  # a repair line of order SO-1
        uow[BOOKINGS].add(booking("B1", line="L1", worker_id="ANNA", start=at(0, 9), end=at(0, 10)))
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(PermissionDeniedError) as err:
            act(BO, move_repair_stage, uow, "R-1", "WORKING", clock=later)
        assert "no line of order 'SO-1' is booked to 'BO'" in str(err.value)
        assert uow[REPAIRS].get("R-1").stage_id == "OPEN"
        moved = act(ANNA, move_repair_stage, uow, "R-1", "WORKING", clock=later)
        assert moved.stage_id == "WORKING"
        with pytest.raises(PermissionDeniedError, match="cannot be resolved"):
            act(ANNA, move_repair_stage)  # nothing names the repair or its order


def test_a_stored_booking_decides_whether_a_technician_may_start_it() -> None:
    store = store_with_order()
    with store.unit_of_work("ACME") as uow:
        uow[BOOKINGS].add(booking("B1", line="L1", worker_id="ANNA", start=at(0, 9), end=at(0, 10)))
        uow.commit()
    authorizer = Authorizer()
    with store.unit_of_work("ACME") as uow:  # asked before any board is loaded
        arguments = {"uow": uow, "booking_id": "B1"}
        assert authorizer.check(ANNA, start_booking, arguments).name == "dispatch.start_booking"
        with pytest.raises(PermissionDeniedError, match="booking 'B1' is not booked to 'BO'"):
            authorizer.check(BO, start_booking, arguments)
    with pytest.raises(PermissionDeniedError, match="the booking cannot be looked up"):
        act(ANNA, start_booking, None, "B1", at=AT)  # neither a board nor a unit of work


def test_the_bookings_of_a_board_argument_decide_the_own_lines_rule() -> None:
    order, bookings = _order_with_bookings()
    on_board = {"board": board(*bookings), "order": order}
    authorizer = Authorizer()
    assert authorizer.check(ANNA, sign_off_line, {**on_board, "line_id": "L1"})
    with pytest.raises(PermissionDeniedError, match="line 'L2' of order 'SO-1' is not booked"):
        authorizer.check(ANNA, sign_off_line, {**on_board, "line_id": "L2"})
