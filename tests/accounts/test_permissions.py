"""Who may see which pupils, decided in one place from memberships."""

import pytest
from django.db import IntegrityError, transaction

from provmap.accounts.models import Membership, Role
from provmap.accounts.permissions import pupil_scope, schools_for
from provmap.pupils.models import Pupil
from tests.factories import (
    MembershipFactory,
    PlacementFactory,
    PupilFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    TrustFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def visible(user, school):
    scope = pupil_scope(user, school)
    return set(Pupil.objects.filter(school=school).filter(scope.pupil_filter()).distinct())


@pytest.fixture
def school():
    return SchoolFactory(trust=TrustFactory())


@pytest.mark.parametrize(
    "role", [Role.SENCO, Role.SEND_ADMIN, Role.SENIOR_LEADER, Role.PUPIL_PREMIUM_LEAD]
)
def test_whole_school_roles_see_every_pupil_of_their_school_only(school, role):
    mine = PupilFactory.create_batch(3, school=school)
    PupilFactory(school=SchoolFactory())
    member = MembershipFactory(school=school, role=role)

    assert visible(member.user, school) == set(mine)
    assert pupil_scope(member.user, school).can_edit == (role in {Role.SENCO, Role.SEND_ADMIN})


def test_a_senco_of_another_school_sees_nothing_here(school):
    PupilFactory(school=school)
    outsider = MembershipFactory(school=SchoolFactory(), role=Role.SENCO)

    assert pupil_scope(outsider.user, school) == pupil_scope(UserFactory(), school)
    assert visible(outsider.user, school) == set()
    assert not pupil_scope(outsider.user, school).sees_map


def test_head_of_year_sees_their_years_only(school):
    year9 = PupilFactory(school=school, nc_year="9")
    PupilFactory(school=school, nc_year="10")
    member = MembershipFactory(school=school, role=Role.HEAD_OF_YEAR, year_groups="9")

    assert visible(member.user, school) == {year9}
    assert pupil_scope(member.user, school).can_edit is False


def test_teacher_sees_the_pupils_of_runs_they_lead_or_deliver(school):
    teacher = StaffMemberFactory(school=school, role="teacher")
    led = PlacementFactory(run__provision__school=school, run__lead_staff=teacher)
    delivered = PlacementFactory(run__provision__school=school)
    RunStaffFactory(run=delivered.run, staff=teacher)
    PlacementFactory(run__provision__school=school)  # someone else's group
    member = MembershipFactory(school=school, role=Role.TEACHER, staff_member=teacher)

    assert visible(member.user, school) == {led.pupil, delivered.pupil}


def test_teacher_sees_the_pupils_of_the_groups_they_teach(school):
    taught = PupilFactory(school=school, form="8B")
    PupilFactory(school=school, form="8C")
    member = MembershipFactory(school=school, role=Role.TEACHER, teaching_groups="8B, 9A")
    scope = pupil_scope(member.user, school)

    assert visible(member.user, school) == {taught}
    assert scope.forms == frozenset({"8B", "9A"})
    assert scope.sees_map and not scope.can_edit


def test_governor_sees_figures_but_no_pupil(school):
    PupilFactory(school=school)
    member = MembershipFactory(school=school, role=Role.GOVERNOR)
    scope = pupil_scope(member.user, school)

    assert scope.figures and not scope.sees_any_pupil and not scope.sees_map
    assert visible(member.user, school) == set()


def test_parent_sees_their_own_child_only(school):
    child, other = PupilFactory.create_batch(2, school=school)
    member = MembershipFactory(school=school, role=Role.PARENT)
    member.children.add(child)

    assert visible(member.user, school) == {child}
    assert other not in visible(member.user, school)
    assert not pupil_scope(member.user, school).sees_map


def test_trust_leader_sees_figures_of_the_trusts_schools_and_never_another_trust(school):
    sister = SchoolFactory(trust=school.trust)
    elsewhere = SchoolFactory(trust=TrustFactory())
    leader = MembershipFactory(school=None, trust=school.trust, role=Role.TRUST_LEADER)

    assert set(schools_for(leader.user)) == {school, sister}
    assert pupil_scope(leader.user, sister).figures
    assert not pupil_scope(leader.user, sister).sees_any_pupil
    assert pupil_scope(leader.user, elsewhere) == pupil_scope(UserFactory(), elsewhere)


def test_trust_leader_granted_pupil_access_sees_the_trusts_pupils(school):
    pupil = PupilFactory(school=school)
    leader = MembershipFactory(
        school=None, trust=school.trust, role=Role.TRUST_LEADER, trust_pupil_access=True
    )

    assert visible(leader.user, school) == {pupil}


def test_inactive_users_see_nothing(school):
    PupilFactory(school=school)
    member = MembershipFactory(school=school, role=Role.SENCO)
    member.user.is_active = False
    member.user.save()

    assert visible(member.user, school) == set()


def test_membership_scope_must_match_the_role(school):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.TRUST_LEADER, school=school)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.SENCO, trust=school.trust)


@pytest.mark.parametrize(
    ("role", "finance"),
    [
        (Role.SENCO, True),
        (Role.SEND_ADMIN, True),
        (Role.SENIOR_LEADER, True),
        (Role.PUPIL_PREMIUM_LEAD, True),
        (Role.GOVERNOR, True),
        (Role.HEAD_OF_YEAR, False),
        (Role.TEACHER, False),
        (Role.TA, False),
        (Role.LEARNING_MENTOR, False),
        (Role.PARENT, False),
    ],
)
def test_who_sees_costs_by_default_and_what_a_school_may_change(school, role, finance):
    member = MembershipFactory(school=school, role=role)
    scope = pupil_scope(member.user, school)
    assert scope.finance is finance
    assert scope.pay_rates is (role in (Role.SENCO, Role.SEND_ADMIN))
    for override in (True, False):
        Membership.objects.filter(pk=member.pk).update(finance=override)
        never = role in (Role.TEACHER, Role.TA, Role.LEARNING_MENTOR, Role.PARENT)
        assert pupil_scope(member.user, school).finance is (override and not never)


def test_trust_leaders_see_costs_but_never_pay_rates(school):
    member = Membership.objects.create(
        user=UserFactory(), role=Role.TRUST_LEADER, trust=school.trust
    )
    scope = pupil_scope(member.user, school)
    assert scope.finance and not scope.pay_rates


def test_deliverers_see_in_full_only_the_placements_of_their_runs(school):
    from provmap.provision.models import Placement

    teacher = StaffMemberFactory(school=school, role="teacher")
    mine = PlacementFactory(run__provision__school=school, run__lead_staff=teacher)
    taught = PupilFactory(school=school, form="8B")
    elsewhere = PlacementFactory(run__provision__school=school, pupil=taught)
    member = MembershipFactory(
        school=school, role=Role.TEACHER, staff_member=teacher, teaching_groups="8B"
    )
    scope = pupil_scope(member.user, school)

    assert visible(member.user, school) == {mine.pupil, taught}
    seen = set(Placement.objects.filter(school=school).filter(scope.placement_filter()))
    assert seen == {mine}
    assert elsewhere not in seen
