"""Recording a review's decision on a provision: what is kept, what is refused, and the
history read back."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from provmap.outcomes.models import ReviewDecision
from provmap.outcomes.selectors import latest_decisions, provision_decisions
from provmap.outcomes.services import ImpactSnapshot, review_decision_record
from tests.factories import AcademicYearFactory, ProvisionFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

SNAPSHOT = ImpactSnapshot(
    verdict="Likely helping: about 5 months' extra progress, costing £60 per pupil",
    recommendation="continue",
    basis="adjusted",
    effect=0.40012,
    low=0.1155,
    high=0.6849,
    months=5,
    pupils=12,
    cost_per_pupil=Decimal("60.00"),
)


@pytest.fixture
def setting():
    school = SchoolFactory()
    year = AcademicYearFactory(school=school)
    provision = ProvisionFactory(school=school, name="Reading boost")
    user = UserFactory(first_name="Sam", last_name="Reed")
    return school, year, provision, user


def record(setting, **changes):
    school, year, provision, user = setting
    values = {
        "school": school,
        "provision": provision,
        "academic_year": year,
        "decision": "continue",
        "decided_by": user,
        "decided_on": timezone.localdate(),
        "snapshot": SNAPSHOT,
        "note": "  Keep the group as it is; review in the summer.  ",
    }
    values.update(changes)
    return review_decision_record(**values)


def test_a_decision_keeps_the_evidence_it_was_made_on(setting):
    school, year, provision, user = setting
    decision = record(setting)

    decision.refresh_from_db()
    assert (decision.school, decision.provision, decision.academic_year) == (
        school,
        provision,
        year,
    )
    assert decision.decision == ReviewDecision.Decision.CONTINUE
    assert decision.note == "Keep the group as it is; review in the summer."
    assert decision.verdict == SNAPSHOT.verdict
    assert decision.recommendation == "continue"
    assert decision.effect_basis == "adjusted"
    # Effects are kept to three decimal places, rounded half up.
    assert (decision.effect, decision.effect_low, decision.effect_high) == (
        Decimal("0.400"),
        Decimal("0.116"),
        Decimal("0.685"),
    )
    assert (decision.months, decision.pupils, decision.cost_per_pupil) == (5, 12, Decimal("60"))
    assert decision.decided_by == user
    assert decision.decided_by_name == "Sam Reed"
    assert decision.created_at is not None
    assert str(decision).startswith("Reading boost: Continue (")


def test_a_decision_with_no_effect_to_show(setting):
    decision = record(
        setting, decision="stop", snapshot=ImpactSnapshot(verdict="Unclear: too few pupils")
    )
    assert decision.effect is None and decision.months is None and decision.effect_basis == ""


def test_the_account_name_is_used_when_there_is_no_full_name(setting):
    nameless = UserFactory(username="jsmith", first_name="", last_name="")
    assert record(setting, decided_by=nameless).decided_by_name == "jsmith"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"decision": "pause"}, "decision", "Choose continue, change or stop."),
        (
            {"decided_on": timezone.localdate() + dt.timedelta(days=1)},
            "decided_on",
            "A decision cannot be dated in the future.",
        ),
        (
            {"decided_on": dt.date(2025, 8, 31)},
            "decided_on",
            "A decision about 2025-26 cannot be dated before the year began (01/09/2025).",
        ),
        ({"note": "x" * 2001}, "note", "Keep the note to 2000 characters (2001 now)."),
        ({"snapshot": ImpactSnapshot(verdict="")}, "verdict", "needs the verdict"),
    ],
)
def test_what_is_refused(setting, changes, field, message):
    with pytest.raises(ValidationError) as error:
        record(setting, **changes)
    assert message in " ".join(error.value.message_dict[field])
    assert not ReviewDecision.objects.exists()


def test_another_schools_provision_or_year_is_refused(setting):
    other = SchoolFactory()
    with pytest.raises(ValidationError) as error:
        record(setting, provision=ProvisionFactory(school=other))
    assert "provision" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(setting, academic_year=AcademicYearFactory(school=other))
    assert "academic_year" in error.value.message_dict


def test_the_database_refuses_an_unknown_decision_or_an_interval_out_of_order(setting):
    decision = record(setting)
    with transaction.atomic(), pytest.raises(IntegrityError):
        ReviewDecision.objects.filter(pk=decision.pk).update(decision="pause")
    with transaction.atomic(), pytest.raises(IntegrityError):
        ReviewDecision.objects.filter(pk=decision.pk).update(
            effect_low=Decimal("0.9"), effect_high=Decimal("0.1")
        )


def test_decisions_are_a_history_newest_first(setting):
    school, year, provision, _ = setting
    first = record(setting, decision="change", decided_on=dt.date(2025, 12, 12))
    second = record(setting, decision="continue", decided_on=dt.date(2026, 4, 1))
    other = ProvisionFactory(school=school, name="Nurture")
    third = record(setting, provision=other, decision="stop", decided_on=dt.date(2026, 3, 1))
    next_year = AcademicYearFactory(
        school=school,
        name="2026-27",
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2027, 7, 21),
    )
    fourth = record(
        setting, academic_year=next_year, decision="stop", decided_on=timezone.localdate()
    )

    assert list(provision_decisions(school, provision)) == [fourth, second, first]
    assert latest_decisions(school, year) == {provision.pk: second, other.pk: third}
    assert latest_decisions(school, None) == {provision.pk: fourth, other.pk: third}
    assert latest_decisions(SchoolFactory(), None) == {}


def test_the_database_refuses_figures_no_impact_page_can_show(setting):
    # The figures are copies of what the impact page worked out: EEF months run from -12 to
    # 12, a cost per pupil is never negative, and a decision is dated in this century.
    decision = record(setting)
    for changes in (
        {"months": 13},
        {"months": -13},
        {"cost_per_pupil": Decimal("-0.01")},
        {"decided_on": dt.date(1900, 1, 1)},
    ):
        with transaction.atomic(), pytest.raises(IntegrityError):
            ReviewDecision.objects.filter(pk=decision.pk).update(**changes)
