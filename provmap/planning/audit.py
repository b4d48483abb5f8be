"""The needs audit of a term (Kent's step 2): getting a term's audit, pre-filling it from
what the school knows (`planning.prefill`'s rules), the SENCO's edits of single cells, and the
grid's reads for a year group or the whole school, in a fixed number of queries.

Projected need: the audit is of the term being planned, so pupils are shown in the year group
they will be in then (moved up one year for each academic year ahead). The incoming year
group is the pupils whose admission date (`Pupil.on_roll_from`, which a transfer CTF sets from
the pupil's <EntryDate> at this school) is after today: a new Year 7 imported in the summer
from their primary schools' CTFs is on the register as Year 6 with a September admission
date, and shows in the September audit as Year 7. Leavers (left before the term starts) and
pupils projected beyond Year 13 are left out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from provmap.outcomes.models import ReviewDecision, Target
from provmap.planning import prefill as rules
from provmap.planning.kinds import default_key_for, kinds_for, plain_kinds
from provmap.planning.models import LEVEL_ORDER, AuditCell, Level, NeedKind, NeedsAudit
from provmap.provision.models import Placement
from provmap.provision.selectors import term_on
from provmap.pupils.models import (
    NC_YEAR_ORDER,
    VULNERABLE_GROUP_FIELDS,
    Measure,
    NCYear,
    Pupil,
    PupilNeed,
    PupilQuerySet,
    Result,
    Visibility,
)
from provmap.schools.models import School, Term

REASON_LENGTH = 300
ANY = object()  # `was` not given: no check of what the user read


def _show_date(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


# --- Projection -------------------------------------------------------------------------


def years_ahead(school: School, term: Term, today: dt.date) -> int:
    """How many academic years the term is after the one running today (0 for this year)."""
    terms = list(Term.objects.filter(school=school).select_related("academic_year"))
    now = term_on(terms, today)
    if now is None:
        return 0
    return max(0, term.academic_year.start_date.year - now.academic_year.start_date.year)


def shift_year(nc_year: str, ahead: int) -> str | None:
    """The year group `ahead` years on (None past Year 13; from a nursery year to Reception
    and on)."""
    order = NCYear.values
    index = NC_YEAR_ORDER.get(nc_year)
    if index is None:
        return None
    moved = index + ahead
    return order[moved] if 0 <= moved < len(order) else None


def projected_pupils(
    school: School, term: Term, today: dt.date, *, year: str | None = None
) -> PupilQuerySet:
    """The pupils on roll in the term being planned (the incoming ones included), narrowed to
    those who will be in `year` then."""
    pupils = Pupil.objects.current().filter(
        Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=term.start_date),
        school=school,
        on_roll_from__lte=term.end_date,
    )
    ahead = years_ahead(school, term, today)
    last = NCYear.values[len(NCYear.values) - 1 - ahead] if ahead else None
    if last is not None:
        pupils = pupils.filter(nc_year__in=NCYear.values[: NC_YEAR_ORDER[last] + 1])
    if year is not None:
        source = shift_year(year, -ahead)
        pupils = pupils.filter(nc_year=source or "--")
    return pupils


# --- The term's audit -------------------------------------------------------------------


def audit_for(term: Term, *, by: object = None) -> NeedsAudit:
    """The term's audit, made when first asked for (with the school's kinds)."""
    kinds_for(term.school)
    audit, _ = NeedsAudit.objects.get_or_create(
        school=term.school,
        term=term,
        defaults={"created_by": by if getattr(by, "pk", None) else None},
    )
    return audit


def _bump(audit: NeedsAudit) -> None:
    NeedsAudit.objects.filter(pk=audit.pk).update(version=F("version") + 1)
    audit.refresh_from_db(fields=["version", "updated_at"])


# --- Pre-fill ---------------------------------------------------------------------------


@dataclass
class PrefillSummary:
    pupils: int = 0
    levels: Counter[str] = field(default_factory=Counter)
    changed: int = 0
    added: int = 0
    removed: int = 0
    kept_by_hand: int = 0
    skipped: list[str] = field(default_factory=list)
    # The pupils whose cells were added, changed or taken off.
    touched: set[int] = field(default_factory=set)

    @property
    def lines(self) -> list[str]:
        from provmap.formatting import counted

        levels = ", ".join(
            f"{counted(self.levels[level], 'cell')} {label.lower()}"
            for level, label in Level.choices
            if self.levels[level]
        )
        found = (
            f"Looked at {counted(self.pupils, 'pupil')}: {levels}."
            if levels
            else f"Looked at {counted(self.pupils, 'pupil')}: nothing to suggest."
        )
        out = [
            found,
            f"Added {counted(self.added, 'cell')}, changed {self.changed}, took off "
            f"{self.removed} no longer suggested.",
        ]
        if self.kept_by_hand:
            out.append(f"{counted(self.kept_by_hand, 'cell')} you set by hand left as they were.")
        return out + self.skipped


def measure_kind(measure: Measure, kinds: list[NeedKind]) -> NeedKind | None:
    """The column a measure's low results go to: the kind most of the catalogue entries
    measured by it meet, else the kind its name suggests."""
    active = [kind for kind in kinds if kind.active]
    through = NeedKind.provisions.through.objects.filter(
        needkind__in=[kind.pk for kind in active], provision__measure=measure
    )
    counts = Counter(through.values_list("needkind_id", flat=True))
    if counts:
        best = max(counts.items(), key=lambda item: (item[1], -item[0]))[0]
        return next(kind for kind in active if kind.pk == best)
    keys = rules.find_kinds(plain_kinds(active))
    key = default_key_for(measure.name, "", [])
    if key == rules.OTHER or key not in keys:
        return None
    return next(kind for kind in active if kind.pk == keys[key])


def _latest(results: QuerySet[Result]) -> dict[int, Decimal]:
    latest: dict[int, Decimal] = {}
    for pupil_id, value in results.order_by("date", "pk").values_list("pupil_id", "value"):
        latest[pupil_id] = value
    return latest


def gather_facts(
    audit: NeedsAudit, pupils: QuerySet[Pupil], today: dt.date, measure: Measure | None
) -> list[rules.PupilFacts]:
    """What the school knows of each pupil, read in bulk (a fixed number of queries)."""
    school = audit.school
    rows = list(pupils.values("pk", "sen_status", *VULNERABLE_GROUP_FIELDS))
    needs: dict[int, list[str]] = defaultdict(list)
    for pupil_id, need in (
        PupilNeed.objects.current()
        .filter(school=school, pupil__in=pupils)
        .order_by("pupil_id", "rank")
        .values_list("pupil_id", "need_type")
    ):
        needs[pupil_id].append(need)
    scores: dict[int, Decimal] = {}
    if measure is not None:
        scores = _latest(
            Result.objects.filter(school=school, measure=measure, pupil__in=pupils, date__lte=today)
        )
    attendance = _latest(
        Result.objects.filter(
            school=school,
            measure__kind=Measure.Kind.ATTENDANCE,
            pupil__in=pupils,
            date__lte=today,
        )
    )
    targets: dict[int, set[str]] = defaultdict(set)
    for pupil_id, area in Target.objects.filter(
        school=school, pupil__in=pupils, status=Target.Status.OPEN
    ).values_list("pupil_id", "need_area"):
        if area:
            targets[pupil_id].add(area)
    # The provisions each pupil is in now, the last decision on each, the kinds each meets.
    terms = list(Term.objects.filter(school=school).select_related("academic_year"))
    now = term_on(terms, today)
    in_now: dict[int, set[tuple[int, str]]] = defaultdict(set)
    if now is not None:
        for pupil_id, provision_id, name in (
            Placement.objects.filter(school=school, pupil__in=pupils)
            .filter(
                Q(run__term=now) | Q(run__term__isnull=True, run__academic_year=now.academic_year)
            )
            .exclude(status=Placement.Status.WITHDRAWN)
            .values_list("pupil_id", "run__provision_id", "run__provision__name")
        ):
            in_now[pupil_id].add((provision_id, name))
    decided: dict[int, str] = {}
    for provision_id, decision in (
        ReviewDecision.objects.filter(school=school, decided_on__lte=today)
        .order_by("-decided_on", "-created_at", "-pk")
        .values_list("provision_id", "decision")
    ):
        decided.setdefault(provision_id, decision)
    meets: dict[int, list[int]] = defaultdict(list)
    for provision_id, kind_id in NeedKind.provisions.through.objects.filter(
        needkind__school=school, needkind__active=True
    ).values_list("provision_id", "needkind_id"):
        meets[provision_id].append(kind_id)
    last: dict[int, dict[int, str]] = defaultdict(dict)
    earlier = (
        NeedsAudit.objects.filter(school=school, term__start_date__lt=audit.term.start_date)
        .order_by("-term__start_date")
        .first()
    )
    if earlier is not None:
        for pupil_id, kind_id, level in AuditCell.objects.filter(
            school=school, audit=earlier, pupil__in=pupils
        ).values_list("pupil_id", "kind_id", "level"):
            last[pupil_id][kind_id] = level
    facts = []
    for row in rows:
        pupil_id = row["pk"]
        decisions = tuple(
            rules.Decision(name, decided[provision_id], tuple(sorted(meets[provision_id])))
            for provision_id, name in sorted(in_now[pupil_id], key=lambda item: item[1])
            if provision_id in decided and meets[provision_id]
        )
        facts.append(
            rules.PupilFacts(
                pupil_id=pupil_id,
                sen_status=row["sen_status"],
                needs=tuple(needs[pupil_id]),
                result=scores.get(pupil_id),
                attendance=attendance.get(pupil_id),
                flags=frozenset(name for name in VULNERABLE_GROUP_FIELDS if row[name]),
                decisions=decisions,
                target_areas=frozenset(targets[pupil_id]),
                last_levels=last[pupil_id],
            )
        )
    return facts


def audit_prefill(
    *,
    audit: NeedsAudit,
    measure: Measure | None = None,
    threshold: Decimal | None = None,
    kind: NeedKind | None = None,
    by: object = None,
    today: dt.date,
) -> PrefillSummary:
    """Fill the audit from what the school knows (planning.prefill's rules) for every pupil
    on roll in the term. A cell the SENCO set by hand is never changed; a cell an earlier
    pre-fill made is brought up to date, or taken off when nothing suggests it any more.
    All or nothing: a refusal or a failure writes no cell."""
    school = audit.school
    if (measure is None) != (threshold is None):
        raise ValidationError("Choose a measure and a threshold together, or neither.")
    rule = None
    kinds = kinds_for(school)
    if measure is not None and threshold is not None:
        if measure.school_id != school.pk:
            raise ValidationError("Choose a measure of this school.")
        low, high = measure.min_value, measure.max_value
        if (low is not None and threshold < low) or (high is not None and threshold > high):
            raise ValidationError(
                f"The threshold must be within {measure.name}'s range ({low} to {high})."
            )
        if kind is None:
            kind = measure_kind(measure, kinds)
        if kind is None:
            raise ValidationError(
                f"Choose the column that results below the threshold on {measure.name} go to."
            )
        if kind.school_id != school.pk or not kind.active:
            raise ValidationError("Choose one of the audit's columns in use.")
        rule = rules.MeasureRule(measure.name, threshold, kind.pk, measure.higher_is_better)
    pupils = projected_pupils(school, audit.term, today)
    facts = gather_facts(audit, pupils, today, measure)
    found = rules.prefill(facts, plain_kinds(kinds), rule)
    summary = PrefillSummary(pupils=len(facts), skipped=found.skipped)
    wanted = {(s.pupil_id, s.kind_id): s for s in found.suggestions}
    with transaction.atomic():
        NeedsAudit.objects.select_for_update().filter(pk=audit.pk).first()
        existing = {
            (cell.pupil_id, cell.kind_id): cell
            for cell in AuditCell.objects.filter(
                school=school, audit=audit, pupil__in=pupils, kind__active=True
            )
        }
        to_add, to_change, to_remove = [], [], []
        for key, suggestion in wanted.items():
            summary.levels[suggestion.level] += 1
            cell = existing.get(key)
            if cell is None:
                to_add.append(
                    AuditCell(
                        school=school,
                        audit=audit,
                        pupil_id=suggestion.pupil_id,
                        kind_id=suggestion.kind_id,
                        level=suggestion.level,
                        reason=suggestion.reason,
                    )
                )
            elif cell.set_by_hand:
                summary.kept_by_hand += 1
            elif (cell.level, cell.reason) != (suggestion.level, suggestion.reason):
                cell.level, cell.reason = suggestion.level, suggestion.reason
                to_change.append(cell)
        for key, cell in existing.items():
            if key not in wanted and not cell.set_by_hand:
                to_remove.append(cell.pk)
                summary.touched.add(cell.pupil_id)
        summary.touched |= {cell.pupil_id for cell in (*to_add, *to_change)}
        AuditCell.objects.filter(pk__in=to_remove).delete()
        AuditCell.objects.bulk_update(to_change, ["level", "reason"], batch_size=500)
        AuditCell.objects.bulk_create(to_add, batch_size=500)
        _bump(audit)
    summary.added, summary.changed, summary.removed = len(to_add), len(to_change), len(to_remove)
    return summary


# --- The SENCO's edits ------------------------------------------------------------------


@dataclass(frozen=True)
class CellChange:
    pupil: Pupil
    kind: NeedKind
    level: str | None
    # What the user read before changing it (None: empty); ANY: not checked.
    was: object = ANY


def _by_name(by: object) -> str:
    full = getattr(by, "get_full_name", None)
    name = full() if callable(full) else ""
    return name or getattr(by, "username", "") or "the SENCO"


PREFILL_NOTE = " (pre-fill: "


def _hand_reason(note: str, cell: AuditCell) -> str:
    """A hand edit's reason: who and when, keeping what the pre-fill had found."""
    if cell.set_by_hand:
        found = cell.reason.split(PREFILL_NOTE, 1)[1][:-1] if PREFILL_NOTE in cell.reason else ""
    else:
        found = cell.reason
    reason = f"{note}{PREFILL_NOTE}{found})" if found else note
    return reason if len(reason) <= REASON_LENGTH else reason[: REASON_LENGTH - 2] + "…)"


def _check(audit: NeedsAudit, change: CellChange) -> None:
    if change.pupil.school_id != audit.school_id or change.kind.school_id != audit.school_id:
        raise ValidationError("That pupil or column is not in this school's audit.")
    if not change.kind.active:
        raise ValidationError(f"The column {change.kind.name} is switched off.")
    if change.level is not None and change.level not in Level.values:
        raise ValidationError("Choose must, should or could, or leave the cell empty.")


def cells_set(
    *, audit: NeedsAudit, changes: list[CellChange], by: object, today: dt.date
) -> list[AuditCell | None]:
    """Set cells by hand (None empties a cell). Refused, with nothing written, when a cell
    changed since the user read it (someone else, or a pre-fill, set it meanwhile)."""
    for change in changes:
        _check(audit, change)
    with transaction.atomic():
        NeedsAudit.objects.select_for_update().filter(pk=audit.pk).first()
        current = {
            (cell.pupil_id, cell.kind_id): cell
            for cell in AuditCell.objects.filter(
                school=audit.school,
                audit=audit,
                pupil__in=[change.pupil.pk for change in changes],
            )
        }
        stale = []
        for change in changes:
            cell = current.get((change.pupil.pk, change.kind.pk))
            now = cell.level if cell is not None else None
            if change.was is not ANY and change.was != now:
                stale.append(
                    f"{change.pupil.full_name}'s {change.kind.name} is now "
                    f"{(now or 'empty').lower()}: someone changed it after you opened the page."
                )
        if stale:
            raise ValidationError(
                [*stale, "Nothing was saved. Look again and save your changes once more."]
            )
        note = f"Set by {_by_name(by)} on {_show_date(today)}"
        out: list[AuditCell | None] = []
        for change in changes:
            cell = current.get((change.pupil.pk, change.kind.pk))
            if change.level is None:
                if cell is not None:
                    cell.delete()
                out.append(None)
                continue
            if cell is None:
                cell = AuditCell.objects.create(
                    school=audit.school,
                    audit=audit,
                    pupil=change.pupil,
                    kind=change.kind,
                    level=change.level,
                    reason=note,
                    set_by_hand=True,
                )
            elif cell.level != change.level or not cell.set_by_hand:
                cell.reason = _hand_reason(note, cell)
                cell.level, cell.set_by_hand = change.level, True
                cell.save(update_fields=["level", "reason", "set_by_hand"])
            out.append(cell)
        _bump(audit)
    return out


def cell_set(
    *,
    audit: NeedsAudit,
    pupil: Pupil,
    kind: NeedKind,
    level: str | None,
    by: object,
    today: dt.date,
    was: object = ANY,
) -> AuditCell | None:
    """One cell set by hand (None empties it); see `cells_set`."""
    return cells_set(
        audit=audit, changes=[CellChange(pupil, kind, level, was)], by=by, today=today
    )[0]


# --- The grid ---------------------------------------------------------------------------


@dataclass
class GridRow:
    pupil: Pupil
    year: str  # the year group in the term being planned
    incoming: bool
    cells: list[AuditCell | None]
    # The cells beside their columns, for the page.
    entries: list[tuple[NeedKind, AuditCell | None]] = field(default_factory=list)

    @property
    def year_name(self) -> str:
        return year_label(self.year)


@dataclass
class Grid:
    audit: NeedsAudit
    kinds: list[NeedKind]
    rows: list[GridRow]
    # Per column: {"must": n, "should": n, "could": n} over every pupil the filter finds.
    counts: list[dict[str, int]]
    total: int  # pupils the filter finds (all pages)
    page: int
    pages: int
    ahead: int

    @property
    def count_rows(self) -> list[tuple[str, str, list[tuple[int, int]]]]:
        """The column counts as table rows: (level, its label, (column id, number) for each
        column)."""
        pairs = list(zip(self.kinds, self.counts, strict=True))
        return [
            (value, label, [(kind.pk, counts[value]) for kind, counts in pairs])
            for value, label in Level.choices
        ]


# Rows a page: a select a cell, and a form's fields stay under Django's limit of 1,000.
PER_PAGE = 50


def year_label(year: str) -> str:
    return dict(NCYear.choices).get(year, year)


def audit_grid(
    audit: NeedsAudit,
    *,
    today: dt.date,
    scope: Visibility | None = None,
    year: str | None = None,
    everyone: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Grid:
    """The grid for a year group (projected) or the whole school: the pupils with a cell
    (or every pupil with `everyone`), a page of them at a time, and the counts of each column
    over all of them. Six queries whatever the rows (the audit's term, the school's terms,
    kinds, pupils, cells, counts)."""
    school = audit.school
    ahead = years_ahead(school, audit.term, today)
    kinds = [
        kind
        for kind in NeedKind.objects.filter(school=school).order_by("position", "name")
        if kind.active
    ]
    pupils = projected_pupils(school, audit.term, today, year=year)
    if scope is not None:
        pupils = pupils.visible_to(scope)
    if not everyone:
        pupils = pupils.filter(
            Exists(AuditCell.objects.filter(audit=audit, pupil=OuterRef("pk"), kind__active=True))
        )
    everyone_found = list(pupils.order_by("surname", "legal_forename", "pk"))
    everyone_found.sort(key=lambda p: (NC_YEAR_ORDER.get(p.nc_year, 99), p.surname, p.forename))
    total = len(everyone_found)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    shown = everyone_found[(page - 1) * per_page : page * per_page]
    cells: dict[tuple[int, int], AuditCell] = {}
    if shown:
        for cell in AuditCell.objects.filter(
            school=school, audit=audit, pupil__in=[p.pk for p in shown], kind__active=True
        ):
            cells[cell.pupil_id, cell.kind_id] = cell
    counts = [dict.fromkeys(Level.values, 0) for _ in kinds]
    index = {kind.pk: i for i, kind in enumerate(kinds)}
    for kind_id, level, number in (
        AuditCell.objects.filter(school=school, audit=audit, pupil__in=pupils, kind__active=True)
        .values_list("kind_id", "level")
        .annotate(number=Count("pk"))
        .order_by()
    ):
        if kind_id in index:
            counts[index[kind_id]][level] = number
    rows = [
        GridRow(
            pupil=pupil,
            year=shift_year(pupil.nc_year, ahead) or pupil.nc_year,
            incoming=pupil.on_roll_from > today,
            cells=[cells.get((pupil.pk, kind.pk)) for kind in kinds],
            entries=[(kind, cells.get((pupil.pk, kind.pk))) for kind in kinds],
        )
        for pupil in shown
    ]
    return Grid(audit, kinds, rows, counts, total, page, pages, ahead)


def column_counts(
    audit: NeedsAudit, kind: NeedKind, *, today: dt.date, year: str | None = None
) -> dict[str, int]:
    """One column's must/should/could counts for a year group or the whole school (what the
    page's foot shows again after a cell is saved)."""
    pupils = projected_pupils(audit.school, audit.term, today, year=year)
    counts = dict.fromkeys(Level.values, 0)
    for level, number in (
        AuditCell.objects.filter(school=audit.school, audit=audit, kind=kind, pupil__in=pupils)
        .values_list("level")
        .annotate(number=Count("pk"))
        .order_by()
    ):
        counts[level] = number
    return counts


def level_rank(level: str) -> int:
    return LEVEL_ORDER[Level(level)]
