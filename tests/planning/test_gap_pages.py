"""The gaps and training pages and their reads, on a small school: the term being planned
(after the current one), its needs audit and its runs.

Kinds: literacy (met by the reading group), counselling (SEMH, no entries listed: met by
entries addressing SEMH), language (CI, met only by a wave-1 entry).
Pupils: Ava (Year 7, literacy must) in two reading groups (duplication); Ben (Year 7,
literacy must, language should) only in ELSA (over-provision, both needs unmet); Cal (Year 8,
counselling should) in nothing; Dee (Year 9, not audited) in a reading group.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import AuditEvent, Role
from provmap.accounts.permissions import PupilScope
from provmap.planning import gap_pages, gap_reads
from provmap.planning.models import AuditCell, NeedKind, NeedsAudit
from provmap.planning.terms import planned_term
from provmap.provision.models import Provision, ProvisionArea, ProvisionRun
from provmap.pupils.models import Pupil
from provmap.schools.models import School, Term
from provmap.schools.roles import StaffRole
from tests.factories import (
    AcademicYearFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
)
from tests.web.map_world import get_counted, member

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@dataclass
class Planning:
    school: School
    now: Term
    next: Term
    reading: Provision
    elsa: Provision
    runs: list[ProvisionRun]
    ava: Pupil
    ben: Pupil
    cal: Pupil
    dee: Pupil


def build(*, extra_groups: int = 0) -> Planning:
    school = SchoolFactory(name="Oakfield Academy")
    year = AcademicYearFactory(
        school=school,
        name="This year",
        start_date=TODAY - dt.timedelta(days=60),
        end_date=TODAY + dt.timedelta(days=300),
    )
    now = TermFactory(
        academic_year=year,
        number=1,
        name="Now",
        start_date=TODAY - dt.timedelta(days=30),
        end_date=TODAY + dt.timedelta(days=30),
    )
    nxt = TermFactory(
        academic_year=year,
        number=2,
        name="Next",
        start_date=TODAY + dt.timedelta(days=40),
        end_date=TODAY + dt.timedelta(days=120),
    )
    reading = ProvisionFactory(school=school, name="Reading catch-up", wave=2)
    ProvisionArea.objects.create(school=school, provision=reading, area="CL")
    elsa = ProvisionFactory(school=school, name="ELSA", wave=2)
    ProvisionArea.objects.create(school=school, provision=elsa, area="SEMH")
    words = ProvisionFactory(school=school, name="Word-rich classroom", wave=1)
    literacy = NeedKind.objects.create(school=school, name="Structured literacy", area="CL")
    literacy.provisions.add(reading)
    counselling = NeedKind.objects.create(
        school=school, name="Counselling", area="SEMH", position=2
    )
    language = NeedKind.objects.create(school=school, name="Language", area="CI", position=3)
    language.provisions.add(words)
    audit = NeedsAudit.objects.create(school=school, term=nxt)

    def pupil(name: str, year: str) -> Pupil:
        return PupilFactory(
            school=school, surname=name, nc_year=year, on_roll_from=TODAY - dt.timedelta(days=400)
        )

    ava, ben, cal, dee = (
        pupil("Avery", "7"),
        pupil("Bennett", "7"),
        pupil("Cole", "8"),
        pupil("Dunn", "9"),
    )
    for who, kind, level in (
        (ava, literacy, "must"),
        (ben, literacy, "must"),
        (ben, language, "should"),
        (cal, counselling, "should"),
    ):
        AuditCell.objects.create(school=school, audit=audit, pupil=who, kind=kind, level=level)
    elsa_staff = StaffMemberFactory(
        school=school, name="Ann Able", expertise="ELSA trained", contracted_hours=Decimal(30)
    )
    ta = StaffMemberFactory(
        school=school, name="Ben Bright", role=StaffRole.TA, expertise="First aid"
    )

    def run(provision: Provision, label: str, who: list[Pupil], staff: object) -> ProvisionRun:
        made = ProvisionRunFactory(
            provision=provision,
            academic_year=year,
            term=nxt,
            label=label,
            start_date=nxt.start_date,
            end_date=nxt.end_date,
        )
        RunStaffFactory(run=made, staff=staff)
        for person in who:
            PlacementFactory(run=made, pupil=person, need_type="SPLD" if person == ava else "")
        return made

    runs = [
        run(reading, "A", [ava, dee], ta),
        run(reading, "B", [ava], ta),
        run(elsa, "C", [ben], elsa_staff),
    ]
    for index in range(extra_groups):
        # More of the same: pupils needing literacy, each in a group of their own.
        extra = pupil(f"Extra{index}", "8")
        AuditCell.objects.create(
            school=school, audit=audit, pupil=extra, kind=literacy, level="must"
        )
        runs.append(run(reading, f"X{index}", [extra], ta))
    # A run of the current term is not planned provision for the next.
    ProvisionRunFactory(
        provision=elsa,
        academic_year=year,
        term=now,
        start_date=now.start_date,
        end_date=now.end_date,
    )
    return Planning(school, now, nxt, reading, elsa, runs, ava, ben, cal, dee)


def test_the_term_being_planned_is_the_one_after_the_current() -> None:
    world = build()
    terms = [world.now, world.next]
    assert planned_term(terms, TODAY) == world.next
    assert planned_term([world.now], TODAY) is None
    assert planned_term([], TODAY) is None
    # Before any term has begun, the first to start.
    assert planned_term(terms, world.now.start_date - dt.timedelta(days=1)) == world.now


def test_reads_in_a_fixed_number_of_queries(django_assert_num_queries) -> None:
    small = build()
    large = build(extra_groups=3)
    everyone = PupilScope(everyone=True)
    for world in (small, large):
        with django_assert_num_queries(9):
            data = gap_reads.load(world.school, world.next, everyone)
        with django_assert_num_queries(11):
            gap_reads.load_training(world.school, world.next, everyone)
    assert len(data.world.cells) == 4 + 3
    assert len(data.runs) == 3 + 3


def test_the_gaps_read_from_the_database() -> None:
    world = build()
    data = gap_reads.load(world.school, world.next, PupilScope(everyone=True))
    page = gap_pages.gaps_page(data, by="area")
    assert [(row.pupil, row.run) for row in page.excess] == [(world.ben, world.runs[2])]
    assert page.not_audited == 1  # Dee, in reading group A
    assert [(row.pupil, row.runs) for row in page.duplicates] == [(world.ava, world.runs[:2])]
    assert "Structured literacy" in page.duplicates[0].why
    # Counselling is met by ELSA (it addresses SEMH), run next term; language only by a
    # wave-1 entry.
    assert [row.row.name for row in page.areas] == ["Language", "Communication and interaction"]
    assert page.unmet_counts == {"must": 1, "should": 2, "could": 0}
    # One year group only.
    year8 = gap_reads.load(world.school, world.next, PupilScope(everyone=True), year="8")
    assert {cell.pupil for cell in year8.world.cells} == {world.cal.pk}


def test_senco_sees_the_gaps_page_and_the_pupils_are_audited() -> None:
    world = build()
    client = Client()
    client.force_login(member(world.school, Role.SENCO))
    response = client.get(reverse("planning_gaps", args=[world.school.urn]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Gaps and duplication: Next" in html
    assert reverse("run_detail", args=[world.school.urn, world.runs[2].pk]) in html
    assert reverse("pupil_detail", args=[world.school.urn, world.ava.pk]) in html
    assert "Several provisions for one need (1)" in html
    assert "Provision with no matching need (1)" in html
    assert "<svg" in html and 'role="img"' in html
    event = AuditEvent.objects.filter(school=world.school).latest("pk")
    assert {row.pupil_id for row in event.listed.all()} == {world.ava.pk, world.ben.pk}


def test_drill_down_to_the_pupils_with_a_must_unmet() -> None:
    world = build()
    client = Client()
    client.force_login(member(world.school, Role.SEND_ADMIN))
    url = reverse("planning_gaps_pupils", args=[world.school.urn])
    response = client.get(url, {"level": "must", "state": "unmet"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bennett" in html and "Avery" not in html and "Cole" not in html
    met = client.get(url, {"state": "met", "year": "7", "column": "CL"}).content.decode()
    assert "Avery" in met and "Bennett" not in met
    # In Year 7 every need of Ava's is met; none of Ben's is.
    covered = client.get(url, {"state": "covered", "year": "7"}).content.decode()
    assert "Avery" in covered and "Bennett" not in covered
    assert client.get(url, {"column": "XX"}).status_code == 404
    assert client.get(url, {"term": "999999"}).status_code == 404


# Queries each page costs, whatever the number of rows (pinned: a new query is argued for).
PINNED = {
    # The session, the user, their roles, the terms, the year groups, the nine reads and the
    # audit trail's event with its pupils.
    "planning_gaps": 17,
    "planning_gaps_pupils": 17,
    # The reads with the staff and the runs' staff lines; no pupil named, so no audit event.
    "training_needs": 16,
    "training_needs_export": 16,
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pages_cost_the_same_queries_with_more_rows(name: str) -> None:
    counts = []
    for extra in (0, 3):
        world = build(extra_groups=extra)
        client = Client()
        client.force_login(member(world.school, Role.SENCO))
        url = reverse(name, args=[world.school.urn])
        client.get(url)
        count, response = get_counted(client, url)
        assert response.status_code == 200
        counts.append(count)
    assert counts == [PINNED[name]] * 2


@pytest.mark.parametrize("role", [Role.TEACHER, Role.GOVERNOR, Role.HEAD_OF_YEAR])
def test_others_are_refused(role: str) -> None:
    world = build()
    client = Client()
    client.force_login(member(world.school, role))
    for name in (
        "planning_gaps",
        "planning_gaps_pupils",
        "training_needs",
        "training_needs_export",
    ):
        assert client.get(reverse(name, args=[world.school.urn])).status_code == 403


def test_no_next_term_says_so() -> None:
    world = build()
    NeedsAudit.objects.filter(term=world.next).delete()
    ProvisionRun.objects.filter(term=world.next).delete()
    world.next.delete()
    client = Client()
    client.force_login(member(world.school, Role.SENCO))
    html = client.get(reverse("planning_gaps", args=[world.school.urn])).content.decode()
    assert "No term to plan" in html
    assert reverse("setup_years", args=[world.school.urn]) in html
    html = client.get(reverse("training_needs", args=[world.school.urn])).content.decode()
    assert "No term to plan" in html


def test_training_needs_page_and_csv() -> None:
    world = build()
    client = Client()
    client.force_login(member(world.school, Role.SENCO))
    html = client.get(reverse("training_needs", args=[world.school.urn])).content.decode()
    # Nobody's expertise is in literacy: two pupils must have it.
    assert "Structured literacy: 2 pupils must, 0 staff with expertise" in html
    assert "Ann Able" in html
    response = client.get(reverse("training_needs_export", args=[world.school.urn]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Need"
    literacy = next(row for row in rows if row[0] == "Structured literacy")
    assert literacy[2] == "2" and literacy[5] == "0"
    # Ben Bright delivers the reading groups without the expertise.
    assert literacy[9] == "Ben Bright"
    semh = next(row for row in rows if row[0] == "Social, emotional and mental health")
    assert semh[6] == "Ann Able"
