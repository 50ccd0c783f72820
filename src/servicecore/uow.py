"""Units of work for hosts: the port, the generic use case and the aggregate-type registry.

A unit of work is opened for one company (the legal entity). Through it nothing of another
company can be read, listed, overwritten or deleted: another company's id reads exactly
as if it did not exist. Leaving the ``with`` block without ``commit()`` rolls back.
Events handed to :meth:`UnitOfWork.record` are published to plugins only after a
successful commit.

The port itself lives in the kernel (:mod:`servicecore.ports`) so that domain use cases can
take a unit of work without importing this module; it is re-exported here for hosts.
Typed access goes through the aggregate type declared beside each aggregate:
``uow[REPAIRS]`` is a ``RepairRepository``. :func:`aggregate_types` lists every registered
type, servicecore's and those of installed plugins.

>>> {"bom", "repair", "subscription"} <= set(aggregate_types())
True
"""

from __future__ import annotations

from typing import Any

from servicecore.ports import AggregateType, UnitOfWork, UnitOfWorkFactory, run_command

__all__ = ["UnitOfWork", "UnitOfWorkFactory", "aggregate_types", "run_command"]


def aggregate_types() -> dict[str, AggregateType[Any, Any]]:
    """Every aggregate type registered through the plugin hook, by kind.

    Uses the process-wide plugin facade (``servicecore.plugins.default_hooks``).
    """
    from servicecore.plugins import default_hooks

    return default_hooks().aggregate_types()
