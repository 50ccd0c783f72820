"""The host's stage tree: stages, their flags, next and previous stage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from attrs import frozen

from servicecore.errors import (
    ValidationError,
)
from servicecore.ports import (
    check_id,
    check_iterable,
    check_type,
)

__all__ = [
    "Stage",
    "StageTree",
]


# -- stage tree ---------------------------------------------------------------------------
@frozen(kw_only=True)
class Stage:
    """One stage of a host's stage tree and what it allows (D365 SMAStageTable flags)."""

    id: str
    parent: str | None = None
    can_modify: bool = True
    can_cancel: bool = True
    can_delete: bool = True
    can_post: bool = False
    requires_reason: bool = False
    stops_sla_clock: bool = False


@frozen
class StageTree:
    """A validated stage tree: one root, every parent known, no cycle.

    Build one with :meth:`define`; a malformed tree is refused when built:

    >>> tree = StageTree.define([Stage(id="new"), Stage(id="done", parent="new")])
    >>> tree.root, tree.next_stages("new"), tree.previous_stage("done")
    ('new', ('done',), 'new')
    >>> try:
    ...     StageTree.define([Stage(id="a"), Stage(id="b")])
    ... except ValidationError as e:
    ...     print(e.field, "|", e)
    stages | stages: a stage tree has exactly one root, got 2: 'a', 'b' (allowed: ...)
    """

    stages: Mapping[str, Stage]
    root: str

    @classmethod
    def define(cls, stages: Iterable[Stage]) -> StageTree:
        """Validate ``stages`` into a tree (one root, known parents, no cycle, unique ids)."""
        items = check_iterable(stages, "stages", "an iterable of Stage")
        if not items:
            raise ValidationError(
                "stages: a stage tree needs at least one stage",
                field="stages",
                value=stages,
                allowed="an iterable of Stage",
            )
        by_id: dict[str, Stage] = {}
        for stage in items:
            check_type(stage, Stage, "stages")
            check_id(stage.id, "stages.id")
            if stage.id in by_id:
                raise ValidationError(
                    f"stages: stage {stage.id!r} is defined twice",
                    field="stages",
                    value=stage.id,
                    allowed="unique stage ids",
                )
            by_id[stage.id] = stage
        roots = [s.id for s in items if s.parent is None]
        if len(roots) != 1:
            names = ", ".join(repr(r) for r in roots)
            raise ValidationError(
                f"stages: a stage tree has exactly one root, got {len(roots)}: {names}",
                field="stages",
                value=roots,
                allowed="one stage without a parent",
            )
        for stage in items:
            if stage.parent is not None and stage.parent not in by_id:
                raise ValidationError(
                    f"stages: stage {stage.id!r} has unknown parent {stage.parent!r}",
                    field="stages",
                    value=stage.parent,
                    allowed=", ".join(sorted(by_id)),
                )
        for stage in items:  # every stage must reach the root (no cycle)
            seen: set[str] = set()
            current: Stage | None = stage
            while current is not None and current.parent is not None:
                if current.id in seen:
                    raise ValidationError(
                        f"stages: stage {stage.id!r} is in a cycle",
                        field="stages",
                        value=stage.id,
                        allowed="a tree (every stage reaches the root)",
                    )
                seen.add(current.id)
                current = by_id[current.parent]
        return cls(by_id, roots[0])

    def stage(self, stage_id: str) -> Stage:
        """The stage ``stage_id``; an unknown id raises :class:`ValidationError`."""
        found = self.stages.get(stage_id) if isinstance(stage_id, str) else None
        if found is None:
            raise ValidationError(
                f"stage: unknown stage {stage_id!r}",
                field="stage",
                value=stage_id,
                allowed=", ".join(sorted(self.stages)),
            )
        return found

    def next_stages(self, stage_id: str) -> tuple[str, ...]:
        """The child stages of ``stage_id`` (where an order can move forward), sorted."""
        self.stage(stage_id)
        return tuple(sorted(s.id for s in self.stages.values() if s.parent == stage_id))

    def previous_stage(self, stage_id: str) -> str | None:
        """The parent of ``stage_id`` (``None`` for the root)."""
        return self.stage(stage_id).parent
