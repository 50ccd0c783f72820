"""What changed from one BOM version to another."""

from __future__ import annotations

from decimal import Decimal

import attrs
from attrs import frozen

from servicecore.bom.model.versions import BomLine, BomVersion
from servicecore.ports import check_type

__all__ = ["BomDiff", "LineChange", "diff_versions"]


@frozen
class LineChange:
    """A line present in both versions (same position and component) that changed."""

    before: BomLine
    after: BomLine

    @property
    def fields(self) -> tuple[str, ...]:
        """Names of the fields that differ."""
        return tuple(
            a.name
            for a in attrs.fields(BomLine)
            if getattr(self.before, a.name) != getattr(self.after, a.name)
        )


@frozen
class BomDiff:
    """What changed from one version to another: lines, and ``output`` as
    ``(before, after)`` when the number of units the version makes changed."""

    added: tuple[BomLine, ...]
    removed: tuple[BomLine, ...]
    changed: tuple[LineChange, ...]
    output: tuple[Decimal, Decimal] | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.output)


def diff_versions(old: BomVersion, new: BomVersion) -> BomDiff:
    """Lines added, removed and changed from ``old`` to ``new``.

    Lines are matched on (position, component): the same position with another component
    is a removal plus an addition (a different part), the same pair with another
    quantity, unit, scrap, phantom flag, pin or by-product flag is a change. A different
    ``output`` is reported as ``(old, new)``.
    """
    check_type(old, BomVersion, "old")
    check_type(new, BomVersion, "new")
    before = {(line.position, line.component): line for line in old.lines}
    after = {(line.position, line.component): line for line in new.lines}
    return BomDiff(
        added=tuple(line for key, line in after.items() if key not in before),
        removed=tuple(line for key, line in before.items() if key not in after),
        changed=tuple(
            LineChange(before[key], line)
            for key, line in after.items()
            if key in before and before[key] != line
        ),
        output=None if old.output == new.output else (old.output, new.output),
    )
