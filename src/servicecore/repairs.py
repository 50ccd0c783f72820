"""Coded repair tracking on service-order object relations.

Reference codes are validated data (:class:`RepairCodes`, one aggregate per code set):
conditions, symptom areas with their symptom codes, diagnosis areas with their diagnosis
codes, resolutions and repair stages (each with a ``finished`` flag; the first stage is
where new repairs start).

A :class:`Repair` is one repair line on a service order's object relation. Rules:

* the relation must be on *this* service order, and its object must be the repaired object;
* a symptom code must belong to its symptom area, a diagnosis code to its diagnosis area,
  conditions and resolutions must exist;
* moving to a ``finished`` stage stamps ``finished_at`` (the command's ``at=``, an aware
  instant; the use cases read it from their ``Clock``); moving back to an unfinished stage
  clears it; moving between two finished stages keeps the first stamp;
* each repair pins the service-BOM structure it was diagnosed against (``snapshot``), so
  later changes to the object do not rewrite what the technician saw.

:func:`repair_history` lists the repairs of one object; :func:`symptom_statistics` answers
"which resolutions fixed this symptom (on this item), how often, how fast" from finished
repairs, each counted once, best first: the suggestion list for the next technician.
"""

from __future__ import annotations

import datetime as _dt
import statistics as _stats
from collections.abc import Iterable, Mapping

import pendulum
from attrs import evolve, field, frozen

from servicecore.clock import Clock, read_clock, to_instant
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.events import DomainEvent
from servicecore.ports import (
    AggregateType,
    Index,
    Repository,
    UnitOfWork,
    check_id,
    check_items,
    check_iterable,
    check_type,
)
from servicecore.service_objects import (
    OBJECT_RELATIONS,
    SERVICE_OBJECTS,
    ObjectRelation,
    ServiceBomLine,
    ServiceObject,
)

__all__ = [
    "REPAIRS",
    "REPAIR_CODES",
    "Repair",
    "RepairCodes",
    "RepairCodesRepository",
    "RepairNote",
    "RepairOpened",
    "RepairRepository",
    "RepairStage",
    "RepairStageChanged",
    "RepairUpdated",
    "ResolutionStats",
    "move_repair_stage",
    "open_repair",
    "repair_history",
    "suggest_resolutions",
    "symptom_statistics",
]


def _note_at(value: object) -> pendulum.DateTime:
    return to_instant(value, "at")


def _created_at(value: object) -> pendulum.DateTime:
    return to_instant(value, "created_at")


def _opt_instant(value: object) -> pendulum.DateTime | None:
    return None if value is None else to_instant(value, "finished_at")


@frozen
class RepairStage:
    """A repair stage; reaching a ``finished`` one stamps the repair's finish instant."""

    id: str
    description: str = ""
    finished: bool = False

    def __attrs_post_init__(self) -> None:
        check_id(self.id, "stage id")
        if not isinstance(self.finished, bool):
            raise ValidationError(
                f"stage {self.id!r}: finished must be a bool", field="finished", value=self.finished
            )


def _codes(value: Iterable[str], name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError(
            f"{name} must be a collection of code strings, not {value!r}",
            field=name,
            value=value,
        )
    return tuple(sorted({check_id(c, name) for c in value}))


def _areas(value: Mapping[str, Iterable[str]], name: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"{name} must map each area to its codes, not {value!r}",
            field=name,
            value=value,
            allowed="{'AREA': ['CODE', ...], ...}",
        )
    return {check_id(area, name): _codes(codes, name) for area, codes in value.items()}


@frozen(kw_only=True)
class RepairCodes:
    """A validated set of repair reference codes (an aggregate)."""

    company_id: str
    id: str
    conditions: tuple[str, ...] = ()
    symptom_areas: Mapping[str, tuple[str, ...]] = field(factory=dict)
    diagnosis_areas: Mapping[str, tuple[str, ...]] = field(factory=dict)
    resolutions: tuple[str, ...] = ()
    stages: tuple[RepairStage, ...] = ()
    version: int = 0

    def __attrs_post_init__(self) -> None:
        check_id(self.company_id, "company_id")
        check_id(self.id, "code set id")
        check_items(self.stages, RepairStage, "stages", "a tuple of RepairStage")
        if not self.stages:
            raise ValidationError(
                f"code set {self.id!r} needs at least one repair stage",
                field="stages",
                allowed="one or more RepairStage values; the first is where repairs start",
            )
        ids = [s.id for s in self.stages]
        if len(set(ids)) != len(ids):
            raise ValidationError(
                f"code set {self.id!r}: stage ids must be unique, not {ids}",
                field="stages",
                value=ids,
            )

    @classmethod
    def of(
        cls,
        company_id: str,
        id: str,
        *,
        conditions: Iterable[str] = (),
        symptoms: Mapping[str, Iterable[str]] | None = None,
        diagnoses: Mapping[str, Iterable[str]] | None = None,
        resolutions: Iterable[str] = (),
        stages: Iterable[RepairStage],
    ) -> RepairCodes:
        """Parse plain collections into a validated code set."""
        stage_tuple = check_iterable(stages, "stages", "a list of RepairStage")
        for s in stage_tuple:
            if not isinstance(s, RepairStage):
                raise ValidationError(
                    f"stages must be RepairStage values, not {s!r}", field="stages", value=s
                )
        return cls(
            company_id=company_id,
            id=id,
            conditions=_codes(conditions, "conditions"),
            symptom_areas=_areas(symptoms or {}, "symptoms"),
            diagnosis_areas=_areas(diagnoses or {}, "diagnoses"),
            resolutions=_codes(resolutions, "resolutions"),
            stages=stage_tuple,
        )

    @property
    def initial_stage(self) -> RepairStage:
        return self.stages[0]

    def stage(self, stage_id: str) -> RepairStage:
        """The stage ``stage_id`` or ``ValidationError`` listing the stages."""
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise ValidationError(
            f"repair stage {stage_id!r} is not defined in code set {self.id!r}",
            field="stage_id",
            value=stage_id,
            allowed=", ".join(s.id for s in self.stages),
        )

    def check_member(self, kind: str, value: str | None) -> None:
        """``ValidationError`` unless ``value`` is None or a known condition/resolution."""
        pool = self.conditions if kind == "condition" else self.resolutions
        if value is not None and value not in pool:
            raise ValidationError(
                f"{kind} {value!r} is not defined in code set {self.id!r}",
                field=kind,
                value=value,
                allowed=", ".join(sorted(pool)) or "none defined",
            )

    def check_area_code(
        self, kind: str, area: str | None, code: str | None
    ) -> tuple[str | None, str | None]:
        """Check that ``code`` belongs to ``area`` (``kind`` is 'symptom' or 'diagnosis').

        A code needs its area; an area alone is allowed (what is known so far).
        """
        areas = self.symptom_areas if kind == "symptom" else self.diagnosis_areas
        for name, value in ((f"{kind}_area", area), (f"{kind}_code", code)):
            if value is not None and not isinstance(value, str):
                raise ValidationError(
                    f"{name} must be a code (str) or None, not {value!r}",
                    field=name,
                    value=value,
                    allowed="a code of this code set, or None",
                )
        if area is None:
            if code is not None:
                raise ValidationError(
                    f"{kind} code {code!r} needs its {kind} area",
                    field=f"{kind}_area",
                    allowed=", ".join(sorted(areas)) or "none defined",
                )
            return None, None
        if area not in areas:
            raise ValidationError(
                f"{kind} area {area!r} is not defined in code set {self.id!r}",
                field=f"{kind}_area",
                value=area,
                allowed=", ".join(sorted(areas)) or "none defined",
            )
        if code is not None and code not in areas[area]:
            raise ValidationError(
                f"{kind} code {code!r} does not belong to {kind} area {area!r}",
                field=f"{kind}_code",
                value=code,
                allowed=", ".join(sorted(areas[area])) or "no codes in this area",
            )
        return area, code


class RepairCodesRepository(Repository[RepairCodes]):
    """:class:`RepairCodes` sets (generic operations only)."""


REPAIR_CODES: AggregateType[RepairCodes, RepairCodesRepository] = AggregateType(
    kind="repair_codes", cls=RepairCodes, repository=RepairCodesRepository
)
"""Repair code sets in storage: ``uow[REPAIR_CODES]``."""


@frozen
class RepairNote:
    """A note on a repair: when, by whom, what."""

    at: pendulum.DateTime = field(converter=_note_at)
    author: str
    text: str


@frozen(kw_only=True)
class RepairOpened(DomainEvent):
    """A repair line was opened on a service order's object relation."""

    order_id: str
    object_id: str


@frozen(kw_only=True)
class RepairStageChanged(DomainEvent):
    """A repair moved to ``stage_id``; ``finished_at`` is its stamp (None if unfinished)."""

    stage_id: str
    finished_at: pendulum.DateTime | None = field(converter=_opt_instant)


@frozen(kw_only=True)
class RepairUpdated(DomainEvent):
    """Codes, technician or notes changed (``fields`` names them)."""

    fields: tuple[str, ...]


_CODE_FIELDS = (
    "condition",
    "symptom_area",
    "symptom_code",
    "diagnosis_area",
    "diagnosis_code",
    "resolution",
)


@frozen(kw_only=True)
class Repair:
    """One repair line (an aggregate). Build it with :meth:`open`."""

    company_id: str
    id: str
    code_set: str
    order_id: str
    relation_id: str
    object_id: str
    item_id: str
    stage_id: str
    created_at: pendulum.DateTime = field(converter=_created_at)
    finished_at: pendulum.DateTime | None = field(default=None, converter=_opt_instant)
    technician: str | None = None
    condition: str | None = None
    symptom_area: str | None = None
    symptom_code: str | None = None
    diagnosis_area: str | None = None
    diagnosis_code: str | None = None
    resolution: str | None = None
    notes: tuple[RepairNote, ...] = ()
    snapshot: tuple[ServiceBomLine, ...] = ()
    snapshot_history: int = 0
    version: int = 0

    @classmethod
    def open(
        cls,
        codes: RepairCodes,
        relation: ObjectRelation,
        service_object: ServiceObject,
        *,
        repair_id: str,
        order_id: str,
        at: _dt.datetime,
        technician: str | None = None,
        condition: str | None = None,
        symptom_area: str | None = None,
        symptom_code: str | None = None,
        note: str = "",
    ) -> tuple[Repair, tuple[DomainEvent, ...]]:
        """Open a repair on ``relation`` of service order ``order_id`` in the first stage.

        Pins the object's service-BOM structure as of the repair's date (``at``'s calendar
        day in its own offset) as ``snapshot``, and how many history lines it included as
        ``snapshot_history``: a part swap dated after the repair is not part of what the
        repair was diagnosed against, even when it was recorded before the repair was opened.
        """
        when = to_instant(at, "at")
        check_type(codes, RepairCodes, "codes")
        check_type(relation, ObjectRelation, "relation")
        check_type(service_object, ServiceObject, "service_object")
        check_id(repair_id, "repair_id")
        check_id(order_id, "order_id")
        if not relation.belongs_to_order(order_id):
            raise BusinessRuleError(
                f"object relation {relation.id!r} is on {relation.owner_kind.value} "
                f"{relation.owner_id!r}, not on service order {order_id!r}; a repair line needs "
                "a relation of its own order",
                rule="REPAIR-RELATION",
                entity="repair",
                id=repair_id,
            )
        if relation.object_id != service_object.id:
            raise BusinessRuleError(
                f"object relation {relation.id!r} is for object {relation.object_id!r}, not "
                f"{service_object.id!r}",
                rule="REPAIR-RELATION",
                entity="repair",
                id=repair_id,
            )
        if codes.company_id != relation.company_id or relation.company_id != (
            service_object.company_id
        ):
            raise BusinessRuleError(
                "code set, relation and object must belong to the same company",
                rule="REPAIR-COMPANY",
                entity="repair",
                id=repair_id,
            )
        codes.check_member("condition", condition)
        codes.check_area_code("symptom", symptom_area, symptom_code)
        sbom = service_object.service_bom
        day = when.date()
        stage = codes.initial_stage
        repair = cls(
            company_id=relation.company_id,
            id=repair_id,
            code_set=codes.id,
            order_id=order_id,
            relation_id=relation.id,
            object_id=service_object.id,
            item_id=service_object.item_id,
            stage_id=stage.id,
            created_at=when,
            finished_at=when if stage.finished else None,
            technician=None if technician is None else check_id(technician, "technician"),
            condition=condition,
            symptom_area=symptom_area,
            symptom_code=symptom_code,
            notes=(RepairNote(when, technician or "", note),) if note else (),
            snapshot=() if sbom is None else sbom.structure_on(day),
            snapshot_history=0 if sbom is None else sum(1 for c in sbom.history if c.on <= day),
        )
        event = RepairOpened(
            aggregate_id=repair_id,
            company_id=repair.company_id,
            occurred_at=when,
            order_id=order_id,
            object_id=service_object.id,
        )
        return repair, (event,)

    def _check_codes(self, codes: RepairCodes) -> None:
        check_type(codes, RepairCodes, "codes", "the RepairCodes of the repair's code set")
        if codes.id != self.code_set or codes.company_id != self.company_id:
            raise ValidationError(
                f"repair {self.id!r} uses code set {self.code_set!r}, not {codes.id!r}",
                field="codes",
                value=codes.id,
                allowed=self.code_set,
            )

    def record_codes(
        self,
        codes: RepairCodes,
        *,
        at: _dt.datetime,
        **changes: str | None,
    ) -> tuple[Repair, tuple[DomainEvent, ...]]:
        """Set any of condition, symptom_area/code, diagnosis_area/code and resolution.

        The result is checked as a whole: codes must belong to their areas.
        """
        when = to_instant(at, "at")
        self._check_codes(codes)
        unknown = sorted(set(changes) - set(_CODE_FIELDS))
        if unknown:
            raise ValidationError(
                f"unknown repair code fields {unknown}",
                field="changes",
                value=unknown,
                allowed=", ".join(_CODE_FIELDS),
            )
        updated = evolve(self, **changes)  # type: ignore[arg-type]
        codes.check_member("condition", updated.condition)
        codes.check_member("resolution", updated.resolution)
        codes.check_area_code("symptom", updated.symptom_area, updated.symptom_code)
        codes.check_area_code("diagnosis", updated.diagnosis_area, updated.diagnosis_code)
        return updated, (self._updated(when, tuple(sorted(changes))),)

    def move_to_stage(
        self,
        codes: RepairCodes,
        stage_id: str,
        *,
        at: _dt.datetime,
    ) -> tuple[Repair, tuple[DomainEvent, ...]]:
        """Move to ``stage_id``: a finished stage stamps ``finished_at`` (kept when already
        finished), an unfinished one clears it."""
        when = to_instant(at, "at")
        self._check_codes(codes)
        target = codes.stage(stage_id)
        if target.finished:
            if when < self.created_at:
                raise BusinessRuleError(
                    f"repair {self.id!r} cannot finish at {when}, before it was opened "
                    f"({self.created_at})",
                    rule="REPAIR-FINISH",
                    entity="repair",
                    id=self.id,
                )
            finished = self.finished_at or when
        else:
            finished = None
        changed = evolve(self, stage_id=target.id, finished_at=finished)
        event = RepairStageChanged(
            aggregate_id=self.id,
            company_id=self.company_id,
            occurred_at=when,
            stage_id=target.id,
            finished_at=finished,
        )
        return changed, (event,)

    def assign_technician(
        self, technician: str | None, *, at: _dt.datetime
    ) -> tuple[Repair, tuple[DomainEvent, ...]]:
        """Set (or clear, with None) the technician."""
        when = to_instant(at, "at")
        worker = None if technician is None else check_id(technician, "technician")
        return evolve(self, technician=worker), (self._updated(when, ("technician",)),)

    def add_note(
        self,
        text: str,
        *,
        author: str,
        at: _dt.datetime,
    ) -> tuple[Repair, tuple[DomainEvent, ...]]:
        """Append a note."""
        when = to_instant(at, "at")
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("a note needs some text", field="text", value=text)
        note = RepairNote(when, check_id(author, "author"), text)
        return evolve(self, notes=(*self.notes, note)), (self._updated(when, ("notes",)),)

    @property
    def duration(self) -> _dt.timedelta | None:
        """Time from opening to finishing, when finished."""
        if self.finished_at is None:
            return None
        return _dt.timedelta(seconds=(self.finished_at - self.created_at).total_seconds())

    def _updated(self, when: pendulum.DateTime, fields: tuple[str, ...]) -> DomainEvent:
        return RepairUpdated(
            aggregate_id=self.id, company_id=self.company_id, occurred_at=when, fields=fields
        )


class RepairRepository(Repository[Repair]):
    """:class:`Repair` aggregates, with object and item finders."""

    def list_for_object(self, object_id: str) -> list[Repair]:
        """Repairs of one service object, by id."""
        return self.find("object", check_id(object_id, "object_id"))

    def list_for_item(self, item_id: str) -> list[Repair]:
        """Repairs of objects of one item, by id (input of the symptom statistics)."""
        return self.find("item", check_id(item_id, "item_id"))


REPAIRS: AggregateType[Repair, RepairRepository] = AggregateType(
    kind="repair",
    cls=Repair,
    repository=RepairRepository,
    indexes=(
        Index("object", lambda r: (r.object_id,)),
        Index("item", lambda r: (r.item_id,)),
    ),
)
"""Repairs in storage: ``uow[REPAIRS]``."""


def repair_history(repairs: Iterable[Repair], object_id: str) -> tuple[Repair, ...]:
    """The repairs of ``object_id``, oldest first (ties by id)."""
    check_id(object_id, "object_id")
    return tuple(
        sorted(
            (r for r in check_items(repairs, Repair, "repairs") if r.object_id == object_id),
            key=lambda r: (r.created_at, r.id),
        )
    )


@frozen
class ResolutionStats:
    """How a resolution fared on one symptom: finished repairs, and their durations."""

    resolution: str
    count: int
    median_duration: _dt.timedelta
    mean_duration: _dt.timedelta
    fastest: _dt.timedelta


def symptom_statistics(
    repairs: Iterable[Repair],
    *,
    symptom_area: str,
    symptom_code: str,
    item_id: str | None = None,
) -> tuple[ResolutionStats, ...]:
    """Resolutions of finished repairs with this symptom (on this item, if given).

    Each repair counts once (by id; when the same repair appears twice, the higher
    ``version`` wins); only finished repairs with a resolution count. Sorted best first:
    most often, then fastest median, then resolution id.
    """
    check_id(symptom_area, "symptom_area")
    check_id(symptom_code, "symptom_code")
    latest: dict[str, Repair] = {}
    for r in check_iterable(repairs, "repairs", "a list of Repair"):
        if not isinstance(r, Repair):
            raise ValidationError(
                f"symptom_statistics takes Repair values, not {type(r).__name__}",
                field="repairs",
                value=r,
            )
        seen = latest.get(r.id)
        if seen is None or r.version > seen.version:
            latest[r.id] = r
    by_resolution: dict[str, list[float]] = {}
    for r in latest.values():
        if (
            r.finished_at is None
            or r.resolution is None
            or r.symptom_area != symptom_area
            or r.symptom_code != symptom_code
            or (item_id is not None and r.item_id != item_id)
        ):
            continue
        by_resolution.setdefault(r.resolution, []).append(
            (r.finished_at - r.created_at).total_seconds()
        )
    result = [
        ResolutionStats(
            res,
            len(secs),
            _dt.timedelta(seconds=_stats.median(secs)),
            _dt.timedelta(seconds=sum(secs) / len(secs)),
            _dt.timedelta(seconds=min(secs)),
        )
        for res, secs in by_resolution.items()
    ]
    result.sort(key=lambda s: (-s.count, s.median_duration, s.resolution))
    return tuple(result)


# ---------------------------------------------------------------------------------------
# Use cases (the caller commits)
# ---------------------------------------------------------------------------------------


def open_repair(
    uow: UnitOfWork,
    *,
    repair_id: str,
    order_id: str,
    relation_id: str,
    code_set: str,
    clock: Clock,
    technician: str | None = None,
    condition: str | None = None,
    symptom_area: str | None = None,
    symptom_code: str | None = None,
    note: str = "",
) -> Repair:
    """Open and add a repair line on a stored relation of service order ``order_id``."""
    relation = uow[OBJECT_RELATIONS].get(relation_id)
    repair, events = Repair.open(
        uow[REPAIR_CODES].get(code_set),
        relation,
        uow[SERVICE_OBJECTS].get(relation.object_id),
        repair_id=repair_id,
        order_id=order_id,
        at=read_clock(clock),
        technician=technician,
        condition=condition,
        symptom_area=symptom_area,
        symptom_code=symptom_code,
        note=note,
    )
    uow[REPAIRS].add(repair)
    uow.record(events)
    return repair


def move_repair_stage(uow: UnitOfWork, repair_id: str, stage_id: str, *, clock: Clock) -> Repair:
    """Move a stored repair to ``stage_id`` (finish stamping as in :meth:`Repair.move_to_stage`)."""
    repair = uow[REPAIRS].get(repair_id)
    changed, events = repair.move_to_stage(
        uow[REPAIR_CODES].get(repair.code_set), stage_id, at=read_clock(clock)
    )
    uow[REPAIRS].save(changed)
    uow.record(events)
    return changed


def suggest_resolutions(
    uow: UnitOfWork, *, item_id: str, symptom_area: str, symptom_code: str
) -> tuple[ResolutionStats, ...]:
    """:func:`symptom_statistics` over the stored repairs of ``item_id``."""
    return symptom_statistics(
        uow[REPAIRS].list_for_item(item_id),
        symptom_area=symptom_area,
        symptom_code=symptom_code,
        item_id=item_id,
    )
