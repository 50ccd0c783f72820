"""The subscription port contracts run against the in-memory store."""

from __future__ import annotations

import pytest

from servicecore.storage.memory import InMemoryStore
from servicecore.testing.contract import (
    StoreFactory,
    SubscriptionGroupRepositoryContract,
    SubscriptionRepositoryContract,
)


class TestSubscriptionsInMemory(SubscriptionRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return lambda publish: InMemoryStore(publish=publish)


class TestSubscriptionGroupsInMemory(SubscriptionGroupRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return lambda publish: InMemoryStore(publish=publish)


def test_contracts_are_typed_with_their_aggregates() -> None:
    # RepositoryContract[Subscription], not [Any]: a host's typo in make_aggregate or
    # modify is a mypy error, and the generic tests see the real aggregate type.
    from typing import get_args

    from servicecore.subscriptions import Subscription, SubscriptionGroup

    def arg(cls: type) -> object:
        (base,) = cls.__orig_bases__  # type: ignore[attr-defined]
        return get_args(base)[0]

    assert arg(SubscriptionRepositoryContract) is Subscription
    assert arg(SubscriptionGroupRepositoryContract) is SubscriptionGroup
