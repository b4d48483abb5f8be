"""The needs audit's services and reads: default kinds, pre-fill (hand-set cells kept, all
or nothing), hand edits, projected year groups with the incoming one, fixed query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext

from provmap.outcomes.models import ReviewDecision
from provmap.planning.audit import (
    CellChange,
    audit_for,
    audit_grid,
    audit_prefill,
    cell_set,
    cells_set,
    projected_pupils,
    years_ahead,
)
from provmap.planning.kinds import (
    default_key_for,
    kind_create,
    kind_move,
    kind_update,
    kinds_for,
)
from provmap.planning.models import AuditCell, NeedKind
from provmap.pupils.models import PupilNeed
from tests.factories import PlacementFactory, ProvisionRunFactory, PupilFactory
from tests.planning.world import add_result, build

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 10)


def _kind(world, name: str) -> NeedKind:
    return NeedKind.objects.get(school=world.school, name=name)


def _cells(audit) -> dict[tuple[int, str], tuple[str, bool]]:
    return {
        (cell.pupil_id, cell.kind.name): (cell.level, cell.set_by_hand)
        for cell in AuditCell.objects.filter(audit=audit).select_related("kind")
    }


def test_the_default_kinds_are_made_once_with_the_catalogue_entries_that_meet_them():
    world = build(TODAY)
    kinds = kinds_for(world.school)
    assert [kind.name for kind in kinds][:3] == [
        "Structured literacy",
        "Numeracy",
        "Language (speech, language and communication)",
    ]
    assert len(kinds) == 9
    assert list(_kind(world, "Structured literacy").provisions.all()) == [world.phonics]
    assert [p.name for p in _kind(world, "SEMH group work").provisions.all()] == ["Lunchtime club"]
    assert [kind.pk for kind in kinds_for(world.school)] == [kind.pk for kind in kinds]


def test_catalogue_names_go_to_kinds_before_types_and_areas():
    assert default_key_for("Emotional literacy support (ELSA)", "group", ["SEMH"]) == ("semh_group")
    assert default_key_for("Times tables and number fluency", "group", ["CL"]) == "numeracy"
    assert default_key_for("In-class LSA support", "in_class", []) == "in_class"
    assert default_key_for("Homework club", "group", ["CL"]) == "literacy"
    assert default_key_for("Homework club", "group", []) == "other"


def test_kinds_are_added_renamed_moved_and_switched_off():
    world = build(TODAY)
    made = kind_create(school=world.school, name="  Sensory   diet ", area="SP")
    assert (made.name, made.position) == ("Sensory diet", 9)
    with pytest.raises(ValidationError, match="already a column called Numeracy"):
        kind_create(school=world.school, name="numeracy")
    kind_update(kind=made, name="Sensory circuits", area="SP", active=False)
    kind_move(kind=_kind(world, "Numeracy"), up=True)
    names = [kind.name for kind in kinds_for(world.school)]
    assert names[:2] == ["Numeracy", "Structured literacy"]
    assert not _kind(world, "Sensory circuits").active


def test_prefill_sets_cells_keeps_hand_set_ones_and_takes_off_what_no_longer_applies():
    world = build(TODAY)
    term = world.terms[1]  # spring: this academic year
    ehc = PupilFactory(school=world.school, sen_status="E", nc_year="8")
    PupilNeed.objects.create(school=world.school, pupil=ehc, need_type="SLCN", rank=1)
    reader = PupilFactory(school=world.school, nc_year="8")
    add_result(world, reader, "78", TODAY - dt.timedelta(days=20))
    add_result(world, reader, "82", TODAY - dt.timedelta(days=2))
    audit = audit_for(term)
    cell_set(
        audit=audit,
        pupil=ehc,
        kind=_kind(world, "Language (speech, language and communication)"),
        level="should",
        by=world.senco,
        today=TODAY,
    )
    summary = audit_prefill(
        audit=audit, measure=world.measure, threshold=Decimal("85"), by=world.senco, today=TODAY
    )
    assert _cells(audit) == {
        (ehc.pk, "Language (speech, language and communication)"): ("should", True),
        (reader.pk, "Structured literacy"): ("should", False),
    }
    assert (summary.pupils, summary.added, summary.kept_by_hand) == (2, 1, 1)
    reason = AuditCell.objects.get(pupil=reader).reason
    assert reason == "Reading test 82, below 85"
    # Again without the measure: the reader's cell is no longer suggested.
    again = audit_prefill(audit=audit, by=world.senco, today=TODAY)
    assert (again.removed, again.kept_by_hand) == (1, 1)
    assert _cells(audit) == {
        (ehc.pk, "Language (speech, language and communication)"): ("should", True),
    }


def test_prefill_reads_review_decisions_on_the_provisions_pupils_are_in_now():
    world = build(TODAY)
    pupil = PupilFactory(school=world.school, nc_year="9")
    run = ProvisionRunFactory(
        provision=world.phonics,
        academic_year=world.terms[0].academic_year,
        term=world.terms[0],
        start_date=world.terms[0].start_date,
        end_date=world.terms[0].end_date,
    )
    PlacementFactory(run=run, pupil=pupil)
    ReviewDecision.objects.create(
        school=world.school,
        provision=world.phonics,
        academic_year=world.terms[0].academic_year,
        decision="continue",
        verdict="Helps",
        decided_by_name="Sam Reed",
        decided_on=TODAY - dt.timedelta(days=3),
    )
    kinds_for(world.school)
    audit = audit_for(world.terms[1])
    audit_prefill(audit=audit, by=world.senco, today=TODAY)
    cell = AuditCell.objects.get(audit=audit)
    assert (cell.pupil_id, cell.kind.name, cell.level, cell.reason) == (
        pupil.pk,
        "Structured literacy",
        "should",
        "Review: continue Phonics catch-up",
    )


def test_prefill_is_all_or_nothing(monkeypatch):
    world = build(TODAY)
    pupil = PupilFactory(school=world.school, sen_status="K", nc_year="8")
    PupilNeed.objects.create(school=world.school, pupil=pupil, need_type="SPLD", rank=1)
    other = PupilFactory(school=world.school, nc_year="8")
    audit = audit_for(world.terms[1])
    audit_prefill(audit=audit, by=world.senco, today=TODAY)
    assert len(_cells(audit)) == 1
    # The need ends and a new one starts: the next pre-fill removes one cell and adds one,
    # and fails while adding. Nothing it did stays.
    PupilNeed.objects.filter(pupil=pupil).update(end_date=TODAY)
    PupilNeed.objects.create(school=world.school, pupil=other, need_type="PD", rank=1)
    other.sen_status = "K"
    other.save()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(QuerySet, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        audit_prefill(audit=audit, by=world.senco, today=TODAY)
    monkeypatch.undo()
    assert _cells(audit) == {(pupil.pk, "Structured literacy"): ("should", False)}


def test_a_switched_off_columns_cells_are_hidden_and_left_alone_by_the_prefill():
    world = build(TODAY)
    pupil = PupilFactory(school=world.school, sen_status="K", nc_year="8")
    PupilNeed.objects.create(school=world.school, pupil=pupil, need_type="SPLD", rank=1)
    audit = audit_for(world.terms[1])
    audit_prefill(audit=audit, by=world.senco, today=TODAY)
    literacy = _kind(world, "Structured literacy")
    kind_update(kind=literacy, name=literacy.name, area="CL", active=False)
    summary = audit_prefill(audit=audit, by=world.senco, today=TODAY)
    assert summary.removed == 0
    assert _cells(audit) == {(pupil.pk, "Structured literacy"): ("should", False)}
    grid = audit_grid(audit, today=TODAY)
    assert (grid.rows, len(grid.kinds)) == ([], 8)


def test_prefill_refuses_a_threshold_without_a_measure_and_one_out_of_range():
    world = build(TODAY)
    audit = audit_for(world.terms[1])
    with pytest.raises(ValidationError, match="together"):
        audit_prefill(audit=audit, threshold=Decimal("85"), by=world.senco, today=TODAY)
    with pytest.raises(ValidationError, match="range"):
        audit_prefill(
            audit=audit,
            measure=world.measure,
            threshold=Decimal("200"),
            by=world.senco,
            today=TODAY,
        )


def test_hand_edits_clear_with_none_and_refuse_a_cell_changed_since_it_was_read():
    world = build(TODAY)
    audit = audit_for(world.terms[1])
    one, two = PupilFactory.create_batch(2, school=world.school, nc_year="8")
    numeracy = _kind(world, "Numeracy")
    cell = cell_set(
        audit=audit, pupil=one, kind=numeracy, level="must", by=world.senco, today=TODAY
    )
    assert cell is not None
    assert (cell.level, cell.set_by_hand, cell.reason) == (
        "must",
        True,
        "Set by Sam Reed on 10 Nov 2025",
    )
    with pytest.raises(ValidationError, match="someone changed it"):
        cells_set(
            audit=audit,
            changes=[
                CellChange(two, numeracy, "could", None),
                CellChange(one, numeracy, "should", None),  # read as empty; it is "must"
            ],
            by=world.senco,
            today=TODAY,
        )
    assert _cells(audit) == {(one.pk, "Numeracy"): ("must", True)}
    cell_set(
        audit=audit, pupil=one, kind=numeracy, level=None, by=world.senco, today=TODAY, was="must"
    )
    assert _cells(audit) == {}


def test_next_year_pupils_move_up_and_the_incoming_year_group_is_included():
    world = build(dt.date(2026, 5, 1))  # summer term of 2025-26
    day = dt.date(2026, 5, 1)
    next_autumn = world.terms[3]
    assert years_ahead(world.school, next_autumn, day) == 1
    assert years_ahead(world.school, world.terms[2], day) == 0
    year6_joining = PupilFactory(
        school=world.school, nc_year="6", on_roll_from=dt.date(2026, 9, 2), sen_status="E"
    )
    PupilNeed.objects.create(school=world.school, pupil=year6_joining, need_type="ASD", rank=1)
    year7 = PupilFactory(school=world.school, nc_year="7")
    PupilFactory(school=world.school, nc_year="13")  # past Year 13 next year
    PupilFactory(school=world.school, nc_year="9", on_roll_to=dt.date(2026, 7, 1))  # leaves
    assert set(projected_pupils(world.school, next_autumn, day)) == {year6_joining, year7}
    assert list(projected_pupils(world.school, next_autumn, day, year="7")) == [year6_joining]
    audit = audit_for(next_autumn)
    audit_prefill(audit=audit, by=world.senco, today=day)
    grid = audit_grid(audit, today=day, year="7")
    assert [(row.pupil, row.year, row.incoming) for row in grid.rows] == [
        (year6_joining, "7", True)
    ]
    everyone = audit_grid(audit, today=day, everyone=True)
    assert [(row.pupil, row.year) for row in everyone.rows] == [
        (year6_joining, "7"),
        (year7, "8"),
    ]
    language = [kind.name for kind in grid.kinds].index(
        "Language (speech, language and communication)"
    )
    assert grid.counts[language] == {"must": 1, "should": 0, "could": 0}


def _grid_queries(pupils: int) -> int:
    world = build(TODAY)
    audit = audit_for(world.terms[1])
    for pupil in PupilFactory.create_batch(pupils, school=world.school, nc_year="8"):
        cell_set(
            audit=audit,
            pupil=pupil,
            kind=_kind(world, "Numeracy"),
            level="could",
            by=world.senco,
            today=TODAY,
        )
    with CaptureQueriesContext(connection) as context:
        grid = audit_grid(audit, today=TODAY, year="8")
    assert len(grid.rows) == pupils
    return len(context.captured_queries)


def test_the_grid_costs_a_fixed_number_of_queries():
    assert (_grid_queries(1), _grid_queries(4)) == (6, 6)
