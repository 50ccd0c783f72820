"""The exception tree: stdlib bases, structured fields, messages a person can act on."""

from __future__ import annotations

import pickle

import pytest

from servicecore import errors
from servicecore.errors import (
    AlreadyExistsError,
    BusinessRuleError,
    ConcurrencyError,
    CurrencyMismatchError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    PluginError,
    ServiceCoreError,
    StorageError,
    ValidationError,
)


@pytest.mark.parametrize(
    ("cls", "stdlib"),
    [
        (ValidationError, ValueError),
        (NotFoundError, LookupError),
        (CurrencyMismatchError, TypeError),
        (PermissionDeniedError, PermissionError),
    ],
)
def test_families_mix_in_the_stdlib_type_hosts_catch(
    cls: type[ServiceCoreError], stdlib: type[Exception]
) -> None:
    assert issubclass(cls, ServiceCoreError)
    assert issubclass(cls, stdlib)


def test_every_public_error_derives_from_the_root() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), ServiceCoreError), name


def test_validation_error_appends_what_is_allowed() -> None:
    err = ValidationError("parts 0 is too small", field="parts", value=0, allowed="1 or more")
    assert str(err) == "parts 0 is too small (allowed: 1 or more)"
    assert (err.field, err.value, err.allowed) == ("parts", 0, "1 or more")
    assert err.message == str(err)


def test_validation_error_does_not_repeat_allowed_already_in_message() -> None:
    err = ValidationError("only EUR is allowed here", allowed="EUR")
    assert str(err) == "only EUR is allowed here"


def test_validation_error_without_details() -> None:
    err = ValidationError("bad")
    assert (str(err), err.field, err.value, err.allowed) == ("bad", None, None, None)


def test_not_found_and_already_exists() -> None:
    missing = NotFoundError(entity="order", id="SO-1")
    assert str(missing) == "order 'SO-1' does not exist"
    assert (missing.entity, missing.id) == ("order", "SO-1")
    taken = AlreadyExistsError(entity="order", id="SO-1")
    assert str(taken).startswith("order 'SO-1' already exists; load it and save it")
    assert NotFoundError("custom", entity="x", id="1").message == "custom"


def test_concurrency_error_names_both_versions() -> None:
    err = ConcurrencyError(entity="order", id="SO-1", expected_version=3, actual_version=4)
    assert str(err) == (
        "order 'SO-1' was changed by someone else: expected version 3, store has version 4; "
        "reload it and apply the change again"
    )
    assert (err.expected_version, err.actual_version) == (3, 4)
    gone = ConcurrencyError(entity="order", id="SO-1", expected_version=3, actual_version=None)
    assert "store has deleted" in str(gone)
    told = ConcurrencyError(
        "order SO-1 was cancelled meanwhile",
        entity="order",
        id="SO-1",
        expected_version=3,
        actual_version=5,
    )
    assert str(told) == "order SO-1 was cancelled meanwhile"
    assert (told.entity, told.id, told.expected_version, told.actual_version) == (
        "order",
        "SO-1",
        3,
        5,
    )


def test_invalid_transition_lists_allowed_actions() -> None:
    err = InvalidTransitionError(
        entity="order", id="SO-1", state="closed", action="start", allowed=("reopen",)
    )
    assert str(err) == (
        "cannot start order 'SO-1' in state 'closed' (actions allowed in that state: reopen)"
    )
    assert (err.state, err.action, err.allowed) == ("closed", "start", ("reopen",))
    none = InvalidTransitionError(entity="order", id="SO-1", state="gone", action="start")
    assert str(none).endswith("(actions allowed in that state: none)")


def test_business_rule_permission_plugin_storage_fields() -> None:
    rule = BusinessRuleError("credit limit exceeded", rule="S3", entity="order", id="SO-1")
    assert (rule.rule, rule.entity, rule.id, str(rule)) == (
        "S3",
        "order",
        "SO-1",
        "credit limit exceeded",
    )
    denied = PermissionDeniedError("no", action="approve", role="tech", company_id="ACME")
    assert (denied.action, denied.role, denied.company_id) == ("approve", "tech", "ACME")
    plugin = PluginError("boom", plugin="p", hook="servicecore_on_events")
    assert (plugin.plugin, plugin.hook) == ("p", "servicecore_on_events")
    assert str(StorageError("disk full")) == "disk full"


def test_currency_mismatch_message() -> None:
    err = CurrencyMismatchError(expected="EUR", actual="USD")
    assert str(err).startswith("cannot combine EUR with USD: convert one amount first")
    assert (err.expected, err.actual) == ("EUR", "USD")


_EXAMPLES: list[errors.ServiceCoreError] = [
    errors.ServiceCoreError("plain"),
    errors.ValidationError("bad", field="parts", value=[1, 2], allowed="an int"),
    errors.NotFoundError(entity="repair", id="R-1"),
    errors.AlreadyExistsError(entity="repair", id="R-1"),
    errors.ConcurrencyError(entity="bom", id="PUMP", expected_version=2, actual_version=4),
    errors.InvalidTransitionError(
        entity="order", id="SO-1", state="posted", action="cancel", allowed=("close",)
    ),
    errors.BusinessRuleError("no", rule="S3", entity="fee", id="F-1"),
    errors.PermissionDeniedError("denied", action="post", role="technician", company_id="ACME"),
    errors.CurrencyMismatchError(expected="EUR", actual="USD"),
    errors.StorageError("disk"),
    errors.StorageUnavailableError("gone"),
    errors.StorageLockedError("locked"),
    errors.SchemaError("old schema"),
    errors.PluginError("boom", plugin="acme", hook="servicecore_on_events"),
]


def test_every_error_class_has_a_pickle_example() -> None:
    public = {getattr(errors, n) for n in errors.__all__}
    assert public == {type(e) for e in _EXAMPLES}


@pytest.mark.parametrize("error", _EXAMPLES, ids=lambda e: type(e).__name__)
def test_every_error_survives_pickle_with_its_fields(error: errors.ServiceCoreError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error)
    assert back.args == error.args
    assert vars(back) == vars(error)


def test_storage_children_are_storage_errors() -> None:
    for cls in (errors.StorageUnavailableError, errors.StorageLockedError, errors.SchemaError):
        assert issubclass(cls, errors.StorageError)
