"""A measure's kind guessed from a name and scale, when a measure is made from a name alone."""

import pytest

from provmap.pupils.measure_kinds import guess_kind


@pytest.mark.parametrize(
    ("name", "scale", "kind"),
    [
        ("Attendance %", "percent", "attendance"),
        ("Persistent absence", "percent", "attendance"),
        ("Behaviour points", "count", "behaviour"),
        ("SDQ total difficulties", "rating", "wellbeing"),
        ("Boxall developmental strand", "rating", "wellbeing"),
        ("Reading age (months)", "age_months", "attainment"),
        ("NGRT", "standardised", "attainment"),
        ("GCSE English", "grade", "attainment"),
        ("Handwriting speed", "raw", "attainment"),
        ("Typing speed", "raw", "other"),
    ],
)
def test_guess_kind(name, scale, kind):
    assert guess_kind(name, scale) == kind
