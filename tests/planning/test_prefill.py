"""The needs audit's pre-fill rules, on small hand-worked worlds (no database)."""

from __future__ import annotations

from decimal import Decimal

from provmap.planning.prefill import (
    COULD,
    DEFAULT_KINDS,
    MUST,
    SHOULD,
    Decision,
    Kind,
    MeasureRule,
    PupilFacts,
    Suggestion,
    find_kinds,
    join_reasons,
    prefill,
)

# The default columns, ids 1 to 9 in their order: 1 literacy, 2 numeracy, 3 language,
# 4 coordination, 5 counselling, 6 SEMH group work, 7 in-class, 8 adaptation, 9 other.
KINDS = [Kind(index + 1, name, area) for index, (name, area) in enumerate(DEFAULT_KINDS.values())]
LITERACY, NUMERACY, LANGUAGE, COORDINATION, COUNSELLING, SEMH, IN_CLASS, ADAPT, OTHER = range(1, 10)


def cells(result):
    return {(s.pupil_id, s.kind_id): (s.level, s.reason) for s in result.suggestions}


def test_an_ehc_plan_makes_its_primary_need_a_must_and_others_a_should():
    facts = PupilFacts(pupil_id=1, sen_status="E", needs=("SLCN", "SPLD"))
    assert cells(prefill([facts], KINDS)) == {
        (1, LANGUAGE): (MUST, "EHC plan: SLCN primary need"),
        (1, LITERACY): (SHOULD, "EHC plan: SpLD need"),
    }


def test_sen_support_needs_are_shoulds_and_mld_is_literacy_and_numeracy():
    facts = PupilFacts(pupil_id=2, sen_status="K", needs=("MLD",))
    assert cells(prefill([facts], KINDS)) == {
        (2, LITERACY): (SHOULD, "SEN support: MLD primary need"),
        (2, NUMERACY): (SHOULD, "SEN support: MLD primary need"),
    }


def test_needs_count_only_for_pupils_on_the_sen_register():
    facts = PupilFacts(pupil_id=3, sen_status="N", needs=("SEMH",))
    assert prefill([facts], KINDS).suggestions == []


def test_a_result_below_the_threshold_is_a_should_for_the_measures_column():
    rule = MeasureRule("Reading test", Decimal("85"), LITERACY)
    low = PupilFacts(pupil_id=4, result=Decimal("84.00"))
    at = PupilFacts(pupil_id=5, result=Decimal("85"))
    none = PupilFacts(pupil_id=6)
    assert cells(prefill([low, at, none], KINDS, rule)) == {
        (4, LITERACY): (SHOULD, "Reading test 84, below 85"),
    }


def test_where_lower_is_better_a_result_above_the_threshold_counts():
    rule = MeasureRule("Behaviour points", Decimal("10"), SEMH, higher_is_better=False)
    facts = [PupilFacts(pupil_id=7, result=Decimal("12")), PupilFacts(8, result=Decimal("9"))]
    assert cells(prefill(facts, KINDS, rule)) == {
        (7, SEMH): (SHOULD, "Behaviour points 12, above 10"),
    }


def test_attendance_under_90_is_counselling_could_and_under_50_should():
    facts = [
        PupilFacts(pupil_id=1, attendance=Decimal("89.5")),
        PupilFacts(pupil_id=2, attendance=Decimal("90")),
        PupilFacts(pupil_id=3, attendance=Decimal("45")),
    ]
    assert cells(prefill(facts, KINDS)) == {
        (1, COUNSELLING): (COULD, "Attendance 89.5% (under 90%)"),
        (3, COUNSELLING): (SHOULD, "Attendance 45% (under 50%)"),
    }


def test_vulnerable_groups_and_open_targets():
    facts = PupilFacts(
        pupil_id=1,
        flags=frozenset({"looked_after", "at_risk_of_exclusion", "pupil_premium"}),
        target_areas=frozenset({"CL"}),
    )
    assert cells(prefill([facts], KINDS)) == {
        (1, COUNSELLING): (COULD, "Looked after"),
        (1, SEMH): (SHOULD, "At risk of exclusion"),
        (1, LITERACY): (SHOULD, "Target open in cognition and learning"),
    }


def test_the_highest_level_wins_and_every_reason_is_kept_highest_first():
    facts = PupilFacts(
        pupil_id=1,
        sen_status="E",
        needs=("SPLD",),
        result=Decimal("70"),
        target_areas=frozenset({"CL"}),
    )
    rule = MeasureRule("Reading test", Decimal("85"), LITERACY)
    assert cells(prefill([facts], KINDS, rule)) == {
        (1, LITERACY): (
            MUST,
            "EHC plan: SpLD primary need; Reading test 70, below 85; "
            "Target open in cognition and learning",
        ),
    }


def test_a_continue_decision_keeps_the_last_level_and_change_is_a_should():
    facts = [
        PupilFacts(
            pupil_id=1,
            decisions=(Decision("Nurture group", "continue", (SEMH,)),),
            last_levels={SEMH: MUST},
        ),
        PupilFacts(pupil_id=2, decisions=(Decision("Nurture group", "continue", (SEMH,)),)),
        PupilFacts(pupil_id=3, decisions=(Decision("Phonics", "change", (LITERACY,)),)),
        PupilFacts(pupil_id=4, decisions=(Decision("Phonics", "stop", (LITERACY,)),)),
    ]
    assert cells(prefill(facts, KINDS)) == {
        (1, SEMH): (MUST, "Review: continue Nurture group"),
        (2, SEMH): (SHOULD, "Review: continue Nurture group"),
        (3, LITERACY): (SHOULD, "Review: change Phonics"),
    }


def test_a_renamed_column_is_found_by_its_area_and_a_missing_one_is_reported():
    kinds = [
        Kind(11, "Reading and spelling", "CL"),
        Kind(12, "Talk", "CI"),
        Kind(13, "Counselling", "SEMH", active=False),
    ]
    keys = find_kinds(kinds)
    assert (keys["literacy"], keys["language"]) == (11, 12)
    found = prefill(
        [PupilFacts(pupil_id=1, sen_status="K", needs=("SPLD",), attendance=Decimal("80"))],
        kinds,
    )
    assert found.suggestions == [Suggestion(1, 11, SHOULD, "SEN support: SpLD primary need")]
    assert found.skipped == ["No column for counselling: those cells were left out."]


def test_a_switched_off_default_is_not_replaced_by_another_column_of_its_area():
    kinds = [Kind(1, "Structured literacy", "CL", active=False), Kind(2, "Numeracy", "CL")]
    found = prefill([PupilFacts(pupil_id=1, sen_status="K", needs=("SPLD",))], kinds)
    assert found.suggestions == []
    assert found.skipped == ["No column for structured literacy: those cells were left out."]


def test_reasons_are_cut_to_fit():
    long = [(SHOULD, "x" * 200), (SHOULD, "y" * 200), (SHOULD, "x" * 200)]
    text = join_reasons(long)
    assert len(text) == 300
    assert text.endswith("…")
