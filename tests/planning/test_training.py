"""Training needs: need areas against staff expertise, worked by hand."""

from __future__ import annotations

from decimal import Decimal

from provmap.planning import training
from provmap.planning.training import NeedArea, Option, Staff

AREAS = {"SEMH": "Social, emotional and mental health", "CI": "Communication and interaction"}

ELSA = Staff(1, "Ann Able", "ELSA trained; emotional literacy", Decimal("30"))
PHONICS = Staff(2, "Ben Bright", "Phonics; PRECISION TEACHING", Decimal("32.5"))
MATHS = Staff(3, "Cal Cole", "Maths set support", Decimal("25"))
VISITING = Staff(4, "Dee Dunn", "NHS occupational therapist", None, external=True)
STAFF = [ELSA, PHONICS, MATHS, VISITING]


def test_expertise_matches_names_and_synonyms_as_whole_words_in_any_case() -> None:
    literacy = training.kind_terms("Structured literacy")
    assert training.has_expertise("Phonics; precision teaching", literacy)
    assert training.has_expertise("Specialist DYSLEXIA teacher (level 7 SpLD)", literacy)
    # "Emotional literacy" is not literacy; "reading" inside another word is not reading.
    assert not training.has_expertise("ELSA trained; emotional literacy", literacy)
    assert not training.has_expertise("Proofreadings", literacy)
    assert training.has_expertise("ELSA trained", training.kind_terms("SEMH group work"))
    assert training.has_expertise("Speech and language programmes", training.kind_terms("Language"))
    assert training.has_expertise("Handwriting and fine motor", training.kind_terms("Coordination"))
    assert training.has_expertise("Zones of regulation", training.area_terms("SEMH", AREAS["SEMH"]))
    assert not training.has_expertise("Science", training.area_terms("CI", AREAS["CI"]))


def test_hours_needed_from_the_option_taking_least_staff_time() -> None:
    area = NeedArea(
        training.KIND,
        "1",
        "Numeracy",
        must=7,
        should=2,
        options=(
            # 9 pupils in threes: 3 groups x 3 x 60 min = 9 hours.
            Option(1, staff=1, pupils=3, sessions=Decimal(3), minutes=60),
            # 9 pupils in sixes: 2 groups x 2 staff x 2 x 30 min = 4 hours.
            Option(2, staff=2, pupils=6, sessions=Decimal(2), minutes=30),
        ),
    )
    assert training.hours_needed(area) == Decimal("4.0")
    assert training.hours_needed(NeedArea(training.KIND, "2", "Other", 3, 0)) is None


def test_findings_lacking_first_with_their_sentences() -> None:
    speech = NeedArea(
        training.KIND,
        "1",
        "Speech and language",
        must=14,
        should=3,
        options=(Option(9, 1, 4, Decimal(2), 30),),
    )
    literacy = NeedArea(
        training.KIND,
        "2",
        "Structured literacy",
        must=10,
        should=2,
        # 12 pupils in threes: 4 groups x 3 x 60 min = 12 hours; Ben has 32.5.
        options=(Option(8, 1, 3, Decimal(3), 60),),
        deliverers=frozenset({2, 3}),
    )
    semh = NeedArea(
        training.AREA,
        "SEMH",
        "Social, emotional and mental health",
        must=5,
        should=5,
        options=(Option(7, 1, 1, Decimal(1), 60),),
    )
    numeracy = NeedArea(
        training.KIND,
        "3",
        "Numeracy",
        must=20,
        should=0,
        # 20 pupils in pairs: 10 groups x 5 x 60 min = 50 hours; Cal has 25.
        options=(Option(6, 1, 2, Decimal(5), 60),),
    )
    found = training.findings([speech, literacy, semh, numeracy], STAFF, AREAS)
    assert [item.area.name for item in found] == [
        "Numeracy",
        "Speech and language",
        "Structured literacy",
        "Social, emotional and mental health",
    ]
    by_name = {item.area.name: item for item in found}
    assert by_name["Speech and language"].status == training.NO_EXPERTISE
    assert by_name["Speech and language"].sentence == (
        "Speech and language: 14 pupils must, 3 should, 0 staff with expertise"
    )
    assert by_name["Numeracy"].status == training.TOO_FEW_HOURS
    assert by_name["Numeracy"].expert_hours == Decimal("25")
    assert by_name["Numeracy"].hours_needed == Decimal("50.0")
    assert by_name["Numeracy"].sentence == (
        "Numeracy: 20 pupils must, 1 member of staff with expertise "
        "(25 hours a week against about 50 needed)"
    )
    assert by_name["Structured literacy"].status == training.UNTRAINED_DELIVERERS
    assert [member.name for member in by_name["Structured literacy"].untrained] == ["Cal Cole"]
    assert not by_name["Structured literacy"].lacking
    assert by_name["Social, emotional and mental health"].status == training.COVERED
    assert [member.name for member in by_name["Social, emotional and mental health"].experts] == [
        "Ann Able"
    ]
    assert [item.area.name for item in found if item.lacking] == ["Numeracy", "Speech and language"]


def test_a_visiting_specialist_counts_as_expertise_with_no_hours() -> None:
    coordination = NeedArea(
        training.KIND,
        "4",
        "Coordination",
        must=2,
        should=0,
        options=(Option(5, 1, 1, Decimal(1), 60),),
    )
    (item,) = training.findings([coordination], STAFF, AREAS)
    assert [member.name for member in item.experts] == ["Dee Dunn"]
    assert item.expert_hours == Decimal(0)
    assert item.status == training.TOO_FEW_HOURS


def test_could_only_need_is_never_lacking() -> None:
    area = NeedArea(training.KIND, "5", "Counselling", must=0, should=0, could=4)
    (item,) = training.findings([area], STAFF, AREAS)
    assert item.status == training.NO_EXPERTISE
    assert not item.lacking


def test_a_should_only_need_is_said_as_such() -> None:
    area = NeedArea(training.KIND, "6", "Language", must=0, should=1)
    (item,) = training.findings([area], STAFF, AREAS)
    assert item.lacking
    assert item.sentence == "Language: 1 pupil should, 0 staff with expertise"
