"""Writes behind the map pages: catalogue edits, adding and taking out pupils, the results
table with its version check, and closing a run."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provmap.provision import services
from provmap.provision.models import Placement, ProvisionRun
from provmap.provision.services import (
    PlacementChanged,
    PlacementSnapshot,
    ResultsEntry,
    describe_changes,
    placement_snapshot,
)
from provmap.pupils.models import Result
from tests.factories import ProvisionFactory, PupilFactory
from tests.web.map_world import add_run, build_world, pupils

pytestmark = pytest.mark.django_db

DATES = {"baseline": dt.date(2025, 9, 10), "exit": dt.date(2025, 12, 10)}


def entry(placement: Placement, **values: object) -> ResultsEntry:
    fresh = Placement.objects.select_related("baseline", "midpoint", "exit").get(pk=placement.pk)
    read = placement_snapshot(fresh)
    current = {
        stage: getattr(fresh, stage).value if getattr(fresh, stage) else None
        for stage in ("baseline", "midpoint", "exit")
    }
    current.update(values)
    return ResultsEntry(placement_id=placement.pk, read_version=read.version, read=read, **current)


def test_provision_update_checks_the_name_and_replaces_the_areas():
    world = build_world()
    other = ProvisionFactory(school=world.school, name="Lego therapy")
    with pytest.raises(ValidationError, match="already has a provision called 'Lego therapy'"):
        services.provision_update(provision=world.provision, name="Lego therapy")
    services.provision_update(provision=world.provision, areas=["SEMH", "CI"], usual_weeks=12)
    world.provision.refresh_from_db()
    assert world.provision.usual_weeks == 12
    assert sorted(world.provision.areas.values_list("area", flat=True)) == ["CI", "SEMH"]
    with pytest.raises(ValidationError, match="Unknown area"):
        services.provision_update(provision=other, areas=["XX"])
    with pytest.raises(ValueError, match="cannot change school"):
        services.provision_update(provision=other, school=world.school)


def test_provision_delete_refuses_a_provision_with_runs():
    world = build_world()
    add_run(world)
    with pytest.raises(ValidationError, match="has 1 run on the map"):
        services.provision_delete(provision=world.provision)
    unused = ProvisionFactory(school=world.school)
    services.provision_delete(provision=unused)
    assert not type(unused).objects.filter(pk=unused.pk).exists()


def test_placements_add_checks_the_run_and_dates():
    world = build_world()
    run = add_run(world)
    group = pupils(world, 2)
    added = services.placements_add(run=run, pupils=group, start_date=dt.date(2025, 10, 1))
    assert [p.start_date for p in added] == [dt.date(2025, 10, 1)] * 2
    assert {p.status for p in added} == {Placement.Status.ACTIVE}
    with pytest.raises(ValidationError, match="already in"):
        services.placements_add(run=run, pupils=group[:1])
    with pytest.raises(ValidationError, match="another school"):
        services.placements_add(run=run, pupils=[PupilFactory()])
    with pytest.raises(ValidationError, match="Choose at least one pupil"):
        services.placements_add(run=run, pupils=[])
    ProvisionRun.objects.filter(pk=run.pk).update(status=ProvisionRun.Status.CLOSED)
    run.refresh_from_db()
    with pytest.raises(ValidationError, match="is closed"):
        services.placements_add(run=run, pupils=pupils(world, 1))


def test_placement_remove_is_refused_when_the_version_moved():
    world = build_world()
    run = add_run(world, pupils=pupils(world, 1))
    placement = Placement.objects.get(run=run)
    read = placement_snapshot(placement)
    Placement.objects.filter(pk=placement.pk).update(version=2, notes="Moved to set 2")
    with pytest.raises(PlacementChanged, match=r"\(notes changed\)"):
        services.placement_remove(placement=placement, read_version=1, read=read, on=DATES["exit"])
    assert services.placement_remove(placement=placement, read_version=2, on=DATES["exit"]) == (
        "removed"
    )


def test_results_are_saved_only_at_the_version_read():
    world = build_world()
    run = add_run(world, pupils=pupils(world, 2))
    first, second = Placement.objects.filter(run=run).order_by("pk")
    mine = [entry(first, baseline=Decimal(80)), entry(second, baseline=Decimal(70))]
    # Someone else saves the first placement after I read it: a conditional UPDATE on the
    # version I read then matches no row.
    services.run_record_results(run=run, entries=[entry(first, baseline=Decimal(95))], dates=DATES)
    outcome = services.run_record_results(run=run, entries=mine, dates=DATES)
    assert [pupil.pk for pupil in outcome.saved] == [second.pupil_id]
    (conflict,) = outcome.conflicts
    assert "(baseline 95 entered)" in conflict
    first.refresh_from_db()
    assert first.baseline.value == Decimal(95)
    assert first.version == 2


def test_results_are_checked_before_anything_is_saved():
    world = build_world()
    run = add_run(world, pupils=pupils(world, 2))
    first, second = Placement.objects.filter(run=run).order_by("pk")
    entries = [entry(first, baseline=Decimal(80)), entry(second, baseline=Decimal(200))]
    with pytest.raises(ValidationError, match="above the highest score on Reading test"):
        services.run_record_results(run=run, entries=entries, dates=DATES)
    assert Result.objects.count() == 0
    with pytest.raises(ValidationError, match="Give the date of the baselines"):
        services.run_record_results(run=run, entries=entries[:1], dates={})


def test_a_suggested_rating_and_a_late_exit_result_on_a_closed_run():
    world = build_world()
    run = add_run(world, pupils=pupils(world, 1))
    (placement,) = Placement.objects.filter(run=run)
    services.run_record_results(
        run=run, entries=[entry(placement, baseline=Decimal(80))], dates=DATES
    )
    assert services.run_close(run=run) == 1
    outcome = services.run_record_results(
        run=run, entries=[entry(placement, exit=Decimal(87))], dates=DATES
    )
    assert len(outcome.saved) == 1
    placement.refresh_from_db()
    assert (placement.status, placement.rating) == (Placement.Status.COMPLETED, "G")
    with pytest.raises(ValidationError, match="is closed"):
        services.run_close(run=run)


def test_describe_changes_in_words():
    before = PlacementSnapshot(version=1, baseline="80", rating="", status="active")
    after = PlacementSnapshot(version=3, baseline="82", exit="90", rating="B", status="completed")
    assert describe_changes(before, after) == [
        "baseline now 82 (was 80)",
        "exit result 90 entered",
        "rating now Blue (was not rated)",
        "status now Completed (was Active)",
    ]
    assert describe_changes(before, before) == ["other details changed"]


def test_provision_update_is_refused_when_someone_else_saved_first():
    world = build_world()
    mine = ProvisionFactory(school=world.school, name="Lego therapy")
    read = services.provision_snapshot(mine)
    theirs = type(mine).objects.get(pk=mine.pk)
    services.provision_update(
        provision=theirs,
        read_version=read.version,
        read=services.provision_snapshot(theirs),
        sessions_per_week=Decimal("4"),
        areas=["SEMH"],
    )

    with pytest.raises(services.ProvisionChanged) as refused:
        services.provision_update(
            provision=mine, read_version=read.version, read=read, usual_weeks=20
        )

    assert refused.value.messages == [
        # The changes in the order of the form.
        "Someone else changed 'Lego therapy' after you opened this page (areas of need now "
        "Social, emotional and mental health (was none); sessions a week now 4 (was 3)). Your "
        "changes were not saved: the page now shows the entry as it is, so make them again "
        "if they are still needed."
    ]
    mine.refresh_from_db()
    assert (mine.usual_weeks, mine.sessions_per_week, mine.version) == (10, Decimal("4"), 2)


def test_every_catalogue_change_moves_the_version():
    world = build_world()
    version = world.provision.version
    services.provision_update(provision=world.provision, usual_weeks=12)
    services.provision_set_measure(provision=world.provision, measure=world.measure)
    world.provision.refresh_from_db()
    assert world.provision.version == version + 2


def test_provision_delete_is_refused_when_someone_else_changed_it():
    world = build_world()
    unused = ProvisionFactory(school=world.school, name="Never run")
    read = services.provision_snapshot(unused)
    services.provision_update(provision=unused, name="Never run (KS4)")

    with pytest.raises(services.ProvisionChanged, match=r"\(name now Never run \(KS4\)"):
        services.provision_delete(provision=unused, read_version=read.version, read=read)
    assert type(unused).objects.filter(pk=unused.pk).exists()
    services.provision_delete(provision=unused, read_version=read.version + 1)
    assert not type(unused).objects.filter(pk=unused.pk).exists()


def test_results_dated_after_today_or_before_the_run_are_refused():
    world = build_world()
    run = add_run(world, pupils=pupils(world, 1))
    (placement,) = Placement.objects.filter(run=run)
    today = dt.date(2025, 12, 1)
    later = dt.date(2025, 12, 3)
    before = run.start_date - dt.timedelta(days=7)
    exit_too_late = [entry(placement, exit=Decimal(90))]
    with pytest.raises(ValidationError) as refused:
        services.run_record_results(
            run=run, entries=exit_too_late, dates={"exit": later}, today=today
        )
    assert refused.value.message_dict == {
        "exit_date": ["The date of the exit results, 3 Dec 2025, is after today."]
    }
    with pytest.raises(ValidationError, match="The date of the baselines, 3 Dec 2025, is after"):
        services.run_record_results(
            run=run,
            entries=[entry(placement, baseline=Decimal(80))],
            dates={"baseline": later},
            today=today,
        )
    start = f"{run.start_date.day} {run.start_date:%b %Y}"
    for stage, name in (("midpoint", "mid-point results"), ("exit", "exit results")):
        with pytest.raises(ValidationError) as refused:
            services.run_record_results(
                run=run,
                entries=[entry(placement, **{stage: Decimal(85)})],
                dates={stage: before},
                today=today,
            )
        assert refused.value.messages == [
            f"The date of the {name}, {before.day} {before:%b %Y}, is before the run "
            f"started ({start})."
        ]
    assert Result.objects.count() == 0
    # A baseline taken before the group began is fine, and a date given for a stage nobody
    # entered results for is not checked.
    outcome = services.run_record_results(
        run=run,
        entries=[entry(placement, baseline=Decimal(80))],
        dates={"baseline": before, "exit": later},
        today=today,
    )
    assert len(outcome.saved) == 1
