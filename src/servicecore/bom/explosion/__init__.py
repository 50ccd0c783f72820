"""The explosion read model: :class:`BomIndex` over many ``Bom`` aggregates, as-of
resolution, explosion, where-used (re-exported by :mod:`servicecore.bom`).

A package of submodules named by what they hold: ``plan`` (compiled versions and their
interned runs of leaf lines), ``unit`` (the cached explosion of one unit: walked segments,
or per distinct node), ``result`` (:class:`Explosion`, its lines and rows,
:class:`WhereUsed`) and ``index`` (:class:`BomIndex`, the reference ``naive_explode``).
Import from :mod:`servicecore.bom` (or, as before the split,
:mod:`servicecore.bom.explosion`).
"""

from servicecore.bom.explosion.index import BomIndex, load_bom_index, naive_explode
from servicecore.bom.explosion.result import Explosion, ExplosionLine, ExplosionRow, WhereUsed
from servicecore.bom.explosion.unit import MAX_EXPLOSION_LINES

__all__ = [
    "MAX_EXPLOSION_LINES",
    "BomIndex",
    "Explosion",
    "ExplosionLine",
    "ExplosionRow",
    "WhereUsed",
    "load_bom_index",
    "naive_explode",
]
