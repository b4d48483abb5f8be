"""What teachers, TAs and mentors see: the runs they lead or deliver, in full; of the pupils
they teach, only what a class teacher needs about other staff's runs."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from django.urls import reverse

from provmap.accounts.models import Role, User
from provmap.provision.models import Placement, ProvisionRun
from provmap.provision.services import placement_record_result
from provmap.pupils.models import Pupil
from provmap.schools.roles import StaffRole
from tests.factories import ProvisionFactory, StaffMemberFactory
from tests.web.map_world import World, add_run, build_world, member, pupils

pytestmark = pytest.mark.django_db

NOTE = "Medical absence: hospital appointments on Tuesdays."


@dataclass
class Reach:
    world: World
    mine: ProvisionRun
    others: list[ProvisionRun]
    taught: Pupil
    ta: User


@pytest.fixture
def reach() -> Reach:
    """A TA who delivers one run, and teaches form 8B, whose pupils are in three other runs
    led by other staff (one with a note about a pupil's health and results)."""
    world = build_world()
    kim = StaffMemberFactory(school=world.school, name="Kim Lee", role=StaffRole.TEACHER)
    mine = add_run(
        world, pupils=pupils(world, 2, nc_year="7"), label="Mine", staff=[world.ta_staff]
    )
    taught = pupils(world, 3, nc_year="8", form="8B")
    others = []
    for index in range(3):
        provision = ProvisionFactory(
            school=world.school, name=f"Social skills {index}", measure=world.measure
        )
        others.append(
            add_run(
                world,
                provision=provision,
                pupils=taught,
                label=f"Other {index}",
                lead_staff=kim,
                staff=[kim],
                day_time="Tue 10:00",
                withdrawn_from="Geography",
            )
        )
    placement = Placement.objects.get(run=others[0], pupil=taught[0])
    placement_record_result(placement=placement, stage="baseline", value=71, date=mine.start_date)
    Placement.objects.filter(pk=placement.pk).update(notes=NOTE, rating="R")
    ta = member(world.school, Role.TA, staff_member=world.ta_staff, teaching_groups="8B")
    return Reach(world, mine, others, taught[0], ta)


def test_the_map_shows_only_the_run_the_ta_delivers(client, reach):
    client.force_login(reach.ta)
    content = client.get(reverse("term_map", args=[reach.world.school.urn])).content.decode()
    assert "Reading catch-up" in content
    assert "Social skills" not in content
    assert "1 run" in content


def test_the_export_holds_only_the_run_the_ta_delivers(client, reach):
    client.force_login(reach.ta)
    urn = reach.world.school.urn
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("export_map", args=[urn, "csv"])).getvalue().decode("utf-8-sig")
            )
        )
    )
    assert {row["Group"] for row in rows} == {"Mine"}
    assert NOTE not in str(rows)
    pupil_export = client.get(reverse("export_pupil", args=[urn, reach.taught.pk, "csv"]))
    assert pupil_export.status_code == 200
    text = pupil_export.getvalue().decode("utf-8-sig")
    assert NOTE not in text and "Social skills" not in text
    for run in reach.others:
        assert client.get(reverse("export_run", args=[urn, run.pk, "csv"])).status_code == 404


def test_other_staff_runs_stay_closed_to_the_ta(client, reach):
    client.force_login(reach.ta)
    urn = reach.world.school.urn
    for run in reach.others:
        assert client.get(reverse("run_detail", args=[urn, run.pk])).status_code == 404
    assert client.get(reverse("run_detail", args=[urn, reach.mine.pk])).status_code == 200
    provision = reverse("provision_detail", args=[urn, reach.others[0].provision_id])
    assert "Other 0" not in client.get(provision).content.decode()


def test_the_pupil_page_of_a_taught_pupil_says_what_a_class_teacher_needs(client, reach):
    client.force_login(reach.ta)
    response = client.get(reverse("pupil_detail", args=[reach.world.school.urn, reach.taught.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    # Which provision, when, day and time, the lesson missed and who leads it.
    assert "Social skills 0" in content
    assert "Tue 10:00" in content and "Geography" in content and "Kim Lee" in content
    # Not other staff's notes, results or ratings, nor a way into their runs.
    assert NOTE not in content
    assert ">71<" not in content and "71.00" not in content
    assert "ragb--R" not in content
    for run in reach.others:
        assert reverse("run_detail", args=[reach.world.school.urn, run.pk]) not in content
    assert "£" not in content


def test_the_senco_still_sees_the_pupil_page_in_full(client, reach):
    client.force_login(reach.world.senco)
    response = client.get(reverse("pupil_detail", args=[reach.world.school.urn, reach.taught.pk]))
    content = response.content.decode()
    assert NOTE in content and "ragb--R" in content and "£" in content


def test_a_head_of_year_still_sees_the_runs_of_their_year_groups(client, reach):
    client.force_login(member(reach.world.school, Role.HEAD_OF_YEAR, year_groups="8"))
    content = client.get(reverse("term_map", args=[reach.world.school.urn])).content.decode()
    assert content.count("Social skills") >= 3
    assert "Other 0" in content and ">Mine<" not in content
    response = client.get(reverse("pupil_detail", args=[reach.world.school.urn, reach.taught.pk]))
    assert NOTE in response.content.decode()
