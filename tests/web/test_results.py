"""The results table of a run: a whole group's baseline, mid-point and exit results and RAGB
ratings in one form; clear messages; and no silent overwrite of someone else's changes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.models import Role
from provmap.provision.models import Placement, ProvisionRun
from provmap.provision.services import placement_record_result
from provmap.pupils.models import Result
from tests.web.map_world import World, add_run, build_world, member, outsider, pupils

pytestmark = pytest.mark.django_db


def results_url(world: World, run: ProvisionRun) -> str:
    return reverse("run_results", args=[world.school.urn, run.pk])


def run_url(world: World, run: ProvisionRun) -> str:
    return reverse("run_detail", args=[world.school.urn, run.pk])


def read_form(client, world: World, run: ProvisionRun) -> dict[str, str]:
    """The results form as the page shows it: every hidden and visible value, as a browser
    would send it back unchanged."""
    content = client.get(run_url(world, run)).content.decode()
    form = content[content.index('id="results-form"') : content.index("Save results")]
    data: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form):
        data[name] = value
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else ""
    for name in re.findall(r'<input type="text" name="([^"]+)"(?![^>]*value=)', form):
        data.setdefault(name, "")
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def group():
    world = build_world()
    placed = pupils(world, 3, nc_year="7")
    run = add_run(world, pupils=placed)
    placements = list(Placement.objects.filter(run=run).order_by("pupil__surname"))
    return world, run, placements


def test_the_table_shows_a_row_per_pupil(client, group):
    world, run, placements = group
    client.force_login(world.senco)
    data = read_form(client, world, run)
    for placement in placements:
        assert data[f"p{placement.pk}-version"] == "1"
        assert data[f"p{placement.pk}-rating"] == "suggest"
        assert data[f"p{placement.pk}-baseline"] == ""
    assert "baseline_date" in data


def test_recording_a_groups_baseline_and_exit_at_once(client, group):
    world, run, placements = group
    client.force_login(world.senco)
    data = read_form(client, world, run)
    values = [(80, 83), (85, 92), (90, 100)]  # gains 3, 7 and 10 against a criterion of 6
    for placement, (baseline, exit_value) in zip(placements, values, strict=True):
        data[f"p{placement.pk}-baseline"] = str(baseline)
        data[f"p{placement.pk}-exit"] = str(exit_value)
    data["baseline_date"] = "2025-09-10"
    data["exit_date"] = "2025-12-10"
    response = client.post(results_url(world, run), data, follow=True)
    assert response.redirect_chain[-1][0] == run_url(world, run) + "#results"
    assert "Saved the results of 3 pupils." in messages_of(response)
    ratings = []
    for placement in placements:
        placement.refresh_from_db()
        assert placement.version == 2
        assert placement.baseline.date == dt.date(2025, 9, 10)
        assert placement.exit.date == dt.date(2025, 12, 10)
        assert placement.baseline.measure == world.measure
        ratings.append(placement.rating)
    # Suggested from the success criteria: some progress, met, exceeded (1.5 x 6 = 9).
    assert ratings == ["A", "G", "B"]
    assert Result.objects.filter(pupil__in=[p.pupil for p in placements]).count() == 6


def test_a_chosen_rating_wins_over_the_suggestion(client, group):
    world, run, placements = group
    client.force_login(world.senco)
    data = read_form(client, world, run)
    first = placements[0]
    data[f"p{first.pk}-baseline"] = "80"
    data[f"p{first.pk}-exit"] = "100"
    data[f"p{first.pk}-rating"] = "A"
    data["baseline_date"], data["exit_date"] = "2025-09-10", "2025-12-10"
    client.post(results_url(world, run), data)
    first.refresh_from_db()
    assert first.rating == "A"


def test_changing_a_value_corrects_the_result_in_place(client, group):
    world, run, placements = group
    first = placements[0]
    placement_record_result(placement=first, stage="baseline", value=80, date=dt.date(2025, 9, 9))
    result_id = Placement.objects.get(pk=first.pk).baseline_id
    client.force_login(world.senco)
    data = read_form(client, world, run)
    assert data[f"p{first.pk}-baseline"] == "80"
    data[f"p{first.pk}-baseline"] = "82"
    client.post(results_url(world, run), data)
    first.refresh_from_db()
    assert first.baseline_id == result_id
    assert first.baseline.value == Decimal("82")
    # The untouched rows were left alone.
    for other in placements[1:]:
        other.refresh_from_db()
        assert other.version == 1


def test_clearing_a_value_removes_the_result(client, group):
    world, run, placements = group
    first = placements[0]
    placement_record_result(placement=first, stage="baseline", value=80, date=dt.date(2025, 9, 9))
    client.force_login(world.senco)
    data = read_form(client, world, run)
    data[f"p{first.pk}-baseline"] = ""
    client.post(results_url(world, run), data)
    first.refresh_from_db()
    assert first.baseline is None
    assert not Result.objects.filter(pupil=first.pupil).exists()


def test_results_out_of_range_are_refused_naming_the_pupil(client, group):
    world, run, placements = group
    first = placements[0]
    client.force_login(world.senco)
    data = read_form(client, world, run)
    data[f"p{first.pk}-baseline"] = "170"
    data[f"p{placements[1].pk}-exit"] = "lots"
    response = client.post(results_url(world, run), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert f"{first.pupil.full_name}: the highest score on Reading test is 160." in content
    assert f"{placements[1].pupil.full_name}: enter a number." in content
    assert 'value="170"' in content  # what was typed stays, to correct it
    assert Result.objects.count() == 0


def test_results_need_their_dates_in_order(client, group):
    world, run, placements = group
    first = placements[0]
    client.force_login(world.senco)
    data = read_form(client, world, run)
    data[f"p{first.pk}-exit"] = "90"
    data["exit_date"] = ""
    content = client.post(results_url(world, run), data).content.decode()
    assert "Give the date of the exit results." in content
    data["exit_date"] = "2025-09-01"
    data[f"p{first.pk}-baseline"] = "80"
    data["baseline_date"] = "2025-09-10"
    content = client.post(results_url(world, run), data).content.decode()
    assert f"{first.pupil.full_name}: the exit result is dated before the baseline." in content
    assert Result.objects.count() == 0


def test_results_dated_after_today_are_refused_on_the_date(client, group):
    world, run, placements = group
    client.force_login(world.senco)
    data = read_form(client, world, run)
    data[f"p{placements[0].pk}-exit"] = "90"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data["exit_date"] = tomorrow.isoformat()
    content = client.post(results_url(world, run), data).content.decode()
    shown = f"{tomorrow.day} {tomorrow:%b %Y}"
    assert f"The date of the exit results, {shown}, is after today." in content
    assert 'href="#id_exit_date"' in content
    assert Result.objects.count() == 0


def test_a_provision_without_a_measure_takes_ratings_only(client, group):
    world, run, placements = group
    world.provision.measure = None
    world.provision.save()
    client.force_login(world.senco)
    content = client.get(run_url(world, run)).content.decode()
    assert "choose one in the catalogue" in content
    data = read_form(client, world, run)
    assert f"p{placements[0].pk}-baseline" not in data
    data[f"p{placements[0].pk}-rating"] = "G"
    client.post(results_url(world, run), data)
    placements[0].refresh_from_db()
    assert placements[0].rating == "G"


def test_a_concurrent_edit_is_refused_naming_what_changed(client, group):
    world, run, placements = group
    first, second = placements[0], placements[1]
    client.force_login(world.senco)
    # Two people open the page; the other one saves an exit result and a rating first.
    mine = read_form(client, world, run)
    theirs = read_form(client, world, run)
    theirs[f"p{first.pk}-baseline"] = "81"
    theirs[f"p{first.pk}-exit"] = "88"
    theirs[f"p{first.pk}-rating"] = "G"
    theirs["baseline_date"], theirs["exit_date"] = "2025-09-10", "2025-12-10"
    client.post(results_url(world, run), theirs)
    # Now I save my version of the same row, and a row nobody else touched.
    mine[f"p{first.pk}-baseline"] = "75"
    mine[f"p{first.pk}-exit"] = "95"
    mine[f"p{second.pk}-baseline"] = "70"
    mine["baseline_date"], mine["exit_date"] = "2025-09-10", "2025-12-10"
    response = client.post(results_url(world, run), mine, follow=True)
    messages = messages_of(response)
    assert "Saved the results of 1 pupil." in messages
    who = first.pupil.full_name
    refusal = next(message for message in messages if message.startswith("Someone else"))
    assert refusal == (
        f"Someone else changed {who}'s placement after you opened the page "
        "(baseline 81 entered; exit result 88 entered; rating now Green (was not rated)). "
        f"Your changes for {who} were not saved: check the figures now shown and enter them "
        "again if they are still needed."
    )
    first.refresh_from_db()
    assert (first.baseline.value, first.exit.value, first.rating) == (
        Decimal("81"),
        Decimal("88"),
        "G",
    )
    second.refresh_from_db()
    assert second.baseline.value == Decimal("70")


def test_saving_nothing_new_says_so(client, group):
    world, run, _ = group
    client.force_login(world.senco)
    response = client.post(results_url(world, run), read_form(client, world, run), follow=True)
    assert "Nothing had changed, so nothing was saved." in messages_of(response)


def test_staff_record_results_of_the_runs_they_deliver_only(client, group):
    world, run, placements = group
    ta = member(world.school, Role.TA, staff_member=world.ta_staff)
    client.force_login(ta)
    data = read_form(client, world, run)
    data[f"p{placements[0].pk}-baseline"] = "84"
    data["baseline_date"] = "2025-09-10"
    client.post(results_url(world, run), data)
    placements[0].refresh_from_db()
    assert placements[0].baseline.value == Decimal("84")
    # A run they do not deliver is not theirs to record (nor to see).
    other = add_run(world, pupils=pupils(world, 1), staff=[world.senco_staff])
    assert client.post(results_url(world, other), {}).status_code == 404
    # A head of year sees their pupils' results but records none.
    head = member(world.school, Role.HEAD_OF_YEAR, year_groups="7")
    client.force_login(head)
    assert "Save results" not in client.get(run_url(world, run)).content.decode()
    assert client.post(results_url(world, run), data).status_code == 403
    client.force_login(member(world.school, Role.PARENT))
    assert client.post(results_url(world, run), data).status_code == 403
    client.force_login(outsider())
    assert client.post(results_url(world, run), data).status_code == 404
