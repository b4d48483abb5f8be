"""`manage.py impact`: the hand-worked provision as JSON and as a table."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from provmap.insights import wording
from tests.factories import SchoolFactory, TermFactory
from tests.insights.school_data import COMPARISON, cohort_results, reading_group

pytestmark = pytest.mark.django_db

PROVISION_KEYS = {
    "provision",
    "measure",
    "runs",
    "placed",
    "n",
    "comparison_n",
    "mean_gain",
    "raw_effect",
    "raw_ci",
    "raw_sd_basis",
    "adjusted_difference",
    "adjusted_effect",
    "adjusted_ci",
    "adjusted_sd_basis",
    "adjusted_reason",
    "adjusted_groups",
    "adjusted_df",
    "months",
    "months_basis",
    "expected",
    "missing",
    "attrition",
    "success_share",
    "ratings",
    "completion_share",
    "total_cost",
    "cost_per_pupil",
    "cost_per_month",
    "verdict",
    "recommendation",
    "caveat",
}


@pytest.fixture
def term():
    term = TermFactory()
    provision = reading_group(term)
    cohort_results(term, provision.measure, COMPARISON)
    return term


def run_impact(*args: str) -> str:
    out = StringIO()
    call_command("impact", *args, stdout=out)
    return out.getvalue()


def test_json_for_the_hand_worked_provision(term):
    school = term.school

    report = json.loads(run_impact("--school", school.urn, "--year", "2025-26", "--json"))

    (entry,) = report["schools"]
    assert (entry["urn"], entry["name"], entry["academic_year"]) == (
        school.urn,
        school.name,
        "2025-26",
    )
    (figures,) = entry["provisions"]
    assert set(figures) == PROVISION_KEYS
    # Worked by hand in tests/insights/test_selectors.py and test_effects.py.
    assert figures == {
        "provision": "Reading boost",
        "measure": "Reading boost test",
        "runs": 2,
        "placed": 5,
        "n": 5,
        "comparison_n": 5,
        "mean_gain": 7.0,
        "raw_effect": 0.467,
        "raw_ci": [0.312, 0.622],
        "raw_sd_basis": "measure",
        "adjusted_difference": 6.0,
        "adjusted_effect": 0.4,
        "adjusted_ci": [-0.271, 1.071],
        "adjusted_sd_basis": "measure",
        "adjusted_reason": None,
        "adjusted_groups": 2,
        "adjusted_df": 2.85,
        "months": [-4, 12],
        "months_basis": "adjusted",
        "expected": 5,
        "missing": 0,
        "attrition": 0.0,
        "success_share": 1.0,
        "ratings": {"R": 0, "A": 0, "G": 3, "B": 2},
        "completion_share": 0.8,
        "total_cost": "300.00",
        "cost_per_pupil": "60.00",
        "cost_per_month": None,
        "verdict": "Unclear: the progress seen could be down to chance",
        "recommendation": "not enough evidence",
        "caveat": wording.CAVEAT_COMPARED,
    }


def test_every_school_and_every_year_by_default(term):
    SchoolFactory()  # a school that has run nothing yet

    report = json.loads(run_impact("--json"))

    by_urn = {entry["urn"]: entry for entry in report["schools"]}
    assert len(by_urn) == 2
    assert by_urn[term.school.urn]["academic_year"] is None
    assert [item["provision"] for item in by_urn[term.school.urn]["provisions"]] == [
        "Reading boost"
    ]
    assert [len(entry["provisions"]) for entry in report["schools"]].count(0) == 1


def test_readable_table(term):
    text = run_impact("--school", term.school.urn)

    assert f"{term.school.name} ({term.school.urn}), all years" in text
    assert "Effect vs comparison (95% CI)" in text
    assert "Reading boost" in text
    assert "+0.40 (-0.27 to +1.07)" in text
    assert "-4 to 12" in text
    assert "Unclear: the progress seen could be down to chance -> not enough evidence" in text
    assert "60.00" in text


def test_unknown_school_or_year_is_an_error(term):
    with pytest.raises(CommandError, match="No school has the URN 999999"):
        run_impact("--school", "999999")
    with pytest.raises(CommandError, match="has no academic year 2019-20"):
        run_impact("--school", term.school.urn, "--year", "2019-20")
