"""Items, versioned bills of materials and their as-of-date explosion.

The aggregate is :class:`Bom`: one per parent item (its ``id`` *is* the parent item id),
holding every :class:`BomVersion` of that item's structure. A version goes
``draft -> approved -> active -> archived`` (:data:`BOM_LIFECYCLE`); only drafts are
edited, only active versions are used to resolve a date, and the active versions of one
BOM never overlap in effectivity (``[effective_from, effective_to)``, open-ended when
``effective_to`` is ``None``).

Reading many BOMs at once goes through a read model, :class:`BomIndex`, built from the
aggregates: it resolves the version of any item effective on a date by bisection
(``O(log versions)``), explodes an item and quantity as of a date (levels, paths, the version
used at each node, scrap applied, phantoms flattened, totals per component), answers
where-used questions, and caches each item's unit explosion per elementary date interval so
that exploding again costs one multiplication per node.

Quantities are exact ``Decimal`` values (never floats). **Rounding rule**: every quantity is
computed exactly from the root quantity down (a child's quantity comes from its parent's
*exact* quantity, so rounding never compounds); each line then shows ``rounded_quantity``,
its exact quantity rounded *up* to the ``decimals`` of the line's unit of measure (you
cannot issue 2.1 screws, you issue 3); the total of a component is the exact sum over every
path, and its ``rounded`` total is that sum rounded up once.

>>> import datetime as dt
>>> from decimal import Decimal
>>> from servicecore.bom import Bom, BomLine, BomIndex, UnitOfMeasure
>>> pcs = UnitOfMeasure("pcs", 0)
>>> at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
>>> bike, _ = Bom.create("ACME", "BIKE", effective_from=dt.date(2024, 1, 1), at=at,
...     lines=[BomLine(10, "WHEEL", Decimal(2), pcs), BomLine(20, "FRAME", Decimal(1), pcs)])
>>> bike, _ = bike.approve(1, catalog=[], at=at)
>>> bike, _ = bike.activate(1, at=at)
>>> index = BomIndex.build([bike])
>>> x = index.explode("BIKE", Decimal(3), dt.date(2024, 6, 1))
>>> [(line.component, line.quantity) for line in x.lines]
[('WHEEL', Decimal('6')), ('FRAME', Decimal('3'))]
"""

from servicecore.bom.costing import MAX_STOCK, CostRollup, kits_available, roll_up_cost
from servicecore.bom.explosion import (
    MAX_EXPLOSION_LINES,
    BomIndex,
    Explosion,
    ExplosionLine,
    ExplosionRow,
    WhereUsed,
    load_bom_index,
    naive_explode,
)
from servicecore.bom.model import (
    BOM_LIFECYCLE,
    BOMS,
    ITEMS,
    Bom,
    BomDiff,
    BomLine,
    BomRepository,
    BomStatus,
    BomVersion,
    BomVersionDrafted,
    BomVersionStatusChanged,
    Item,
    ItemRepository,
    LineChange,
    UnitOfMeasure,
    activate_bom_version,
    approve_bom_version,
    create_bom,
    diff_versions,
    find_cycle,
    to_quantity,
)

__all__ = [
    "BOMS",
    "BOM_LIFECYCLE",
    "ITEMS",
    "MAX_EXPLOSION_LINES",
    "MAX_STOCK",
    "Bom",
    "BomDiff",
    "BomIndex",
    "BomLine",
    "BomRepository",
    "BomStatus",
    "BomVersion",
    "BomVersionDrafted",
    "BomVersionStatusChanged",
    "CostRollup",
    "Explosion",
    "ExplosionLine",
    "ExplosionRow",
    "Item",
    "ItemRepository",
    "LineChange",
    "UnitOfMeasure",
    "WhereUsed",
    "activate_bom_version",
    "approve_bom_version",
    "create_bom",
    "diff_versions",
    "find_cycle",
    "kits_available",
    "load_bom_index",
    "naive_explode",
    "roll_up_cost",
    "to_quantity",
]
