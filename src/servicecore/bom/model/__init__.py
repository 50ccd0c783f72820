"""The BOM model: items, units, lines, versions, the ``Bom`` aggregate, its lifecycle,
cycle detection, diff and use cases (re-exported by :mod:`servicecore.bom`).

A package of submodules named by what they hold: ``quantities`` (exact quantities and
rounding), ``items`` (units of measure, the ``Item`` aggregate), ``versions`` (lines,
versions, the version lifecycle), ``cycles`` (cycle detection over every date),
``aggregate`` (the ``Bom`` aggregate, its events and repository), ``diff`` and
``usecases``. Import from :mod:`servicecore.bom` (or, as before the split,
:mod:`servicecore.bom.model`). The private helpers that the explosion, the costing and
tests imported from the single module are re-exported here too (``name as name``).
"""

from servicecore.bom.model.aggregate import (
    BOMS,
    Bom,
    BomRepository,
    BomVersionDrafted,
    BomVersionStatusChanged,
    find_cycle,
)
from servicecore.bom.model.aggregate import _check_boms as _check_boms
from servicecore.bom.model.diff import BomDiff, LineChange, diff_versions
from servicecore.bom.model.items import ITEMS, Item, ItemRepository, UnitOfMeasure
from servicecore.bom.model.quantities import _EXACT as _EXACT
from servicecore.bom.model.quantities import _EXACT_ROUND as _EXACT_ROUND
from servicecore.bom.model.quantities import _ONE as _ONE
from servicecore.bom.model.quantities import _QUANTA as _QUANTA
from servicecore.bom.model.quantities import _ZERO as _ZERO
from servicecore.bom.model.quantities import _exact_quotient as _exact_quotient
from servicecore.bom.model.quantities import _round_up as _round_up
from servicecore.bom.model.quantities import _trim as _trim
from servicecore.bom.model.quantities import to_quantity
from servicecore.bom.model.usecases import activate_bom_version, approve_bom_version, create_bom
from servicecore.bom.model.versions import BOM_LIFECYCLE, BomLine, BomStatus, BomVersion
from servicecore.bom.model.versions import _end_ordinal as _end_ordinal

__all__ = [
    "BOMS",
    "BOM_LIFECYCLE",
    "ITEMS",
    "Bom",
    "BomDiff",
    "BomLine",
    "BomRepository",
    "BomStatus",
    "BomVersion",
    "BomVersionDrafted",
    "BomVersionStatusChanged",
    "Item",
    "ItemRepository",
    "LineChange",
    "UnitOfMeasure",
    "activate_bom_version",
    "approve_bom_version",
    "create_bom",
    "diff_versions",
    "find_cycle",
    "to_quantity",
]
