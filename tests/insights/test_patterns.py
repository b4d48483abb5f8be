"""Who is not progressing, and whether the gap between a group and its peers is closing."""

import pytest

from provmap.insights.patterns import (
    PupilRecord,
    TermScores,
    gap_direction,
    group_gaps,
    provisions_band,
    who_is_not_progressing,
)

# Six pupils. Not progressing (gain <= 0): the first three; progressing: the last three.
RECORDS = [
    PupilRecord(
        gain=-2,
        need_area="SEMH",
        sen_status="K",
        disadvantaged=True,
        sex="M",
        attendance_band="below 90%",
        provisions=3,
    ),
    PupilRecord(
        gain=0,
        need_area="SEMH",
        sen_status="K",
        disadvantaged=True,
        sex="M",
        attendance_band="90-95%",
        provisions=1,
    ),
    PupilRecord(
        gain=-1,
        need_area="CL",
        sen_status="E",
        eal=True,
        sex="F",
        attendance_band="below 90%",
        provisions=2,
    ),
    PupilRecord(
        gain=4,
        need_area="CL",
        sen_status="K",
        disadvantaged=True,
        sex="F",
        attendance_band="95% or more",
        provisions=1,
    ),
    PupilRecord(
        gain=6, need_area="CL", sen_status="K", sex="M", attendance_band="95% or more", provisions=1
    ),
    PupilRecord(
        gain=3,
        need_area="SEMH",
        sen_status="N",
        eal=True,
        sex="F",
        attendance_band="90-95%",
        provisions=1,
    ),
]


def test_traits_over_represented_among_pupils_not_progressing():
    # Shares among the 3 not progressing vs the 3 progressing:
    #   attendance below 90%:  2/3 vs 0/3 -> +0.667
    #   area SEMH:             2/3 vs 1/3 -> +0.333
    #   disadvantaged:         2/3 vs 1/3 -> +0.333
    #   male:                  2/3 vs 1/3 -> +0.333
    #   SEN status E:          1/3 vs 0/3 -> +0.333
    #   2 provisions:          1/3 vs 0/3 -> +0.333
    #   3 or more provisions:  1/3 vs 0/3 -> +0.333
    # EAL (1/3 vs 1/3), 90-95% attendance (1/3 vs 1/3) are level; area CL, SEN status K,
    # female and 1 provision are less common, so none of those are listed.
    report = who_is_not_progressing(RECORDS)

    assert (report.n_not_progressing, report.n_progressing) == (3, 3)
    listed = [
        (item.trait, item.value, round(item.difference, 3)) for item in report.over_represented
    ]
    assert listed == [
        ("Attendance", "below 90%", 0.667),
        ("Area of need", "SEMH", 0.333),
        ("Disadvantaged", "yes", 0.333),
        ("Number of provisions", "2", 0.333),
        ("Number of provisions", "3 or more", 0.333),
        ("SEN status", "E", 0.333),
        ("Sex", "M", 0.333),
    ]
    top = report.over_represented[0]
    assert (top.count_not_progressing, top.count_progressing) == (2, 0)
    assert top.share_not_progressing == pytest.approx(2 / 3)
    assert top.share_progressing == 0


def test_weak_progress_threshold_moves_pupils_between_the_groups():
    # With gains of 3 or less counted as weak, the pupil who gained 3 joins the first group.
    report = who_is_not_progressing(RECORDS, weak_gain=3)

    assert (report.n_not_progressing, report.n_progressing) == (4, 2)


def test_nothing_to_compare_when_everyone_progresses():
    report = who_is_not_progressing([PupilRecord(gain=2), PupilRecord(gain=5)])

    assert report.over_represented == []
    assert (report.n_not_progressing, report.n_progressing) == (0, 2)


def test_provisions_band():
    assert [provisions_band(n) for n in (0, 1, 2, 3, 7)] == [
        "0",
        "1",
        "2",
        "3 or more",
        "3 or more",
    ]


def test_group_gap_narrowing_by_hand():
    # Disadvantaged pupils vs their peers, three terms:
    #   autumn: group (90 + 94) / 2 = 92, peers (98 + 100 + 102) / 3 = 100 -> gap 8
    #   spring: group 95, peers 101 -> gap 6
    #   summer: group 98, peers 101 -> gap 3
    # Slope over positions 0, 1, 2: mean gap 17/3; sum of (x - 1)(gap - 17/3) / sum (x - 1)^2
    # = (-1 x 7/3 + 0 + 1 x -8/3) / 2 = -2.5 a term: narrowing.
    trend = group_gaps(
        [
            TermScores("Autumn", [90, 94], [98, 100, 102]),
            TermScores("Spring", [95], [101]),
            TermScores("Summer", [98], [101]),
        ]
    )

    assert [(row.term, row.group_mean, row.peers_mean, row.gap) for row in trend.terms] == [
        ("Autumn", 92, 100, 8),
        ("Spring", 95, 101, 6),
        ("Summer", 98, 101, 3),
    ]
    assert trend.slope == pytest.approx(-2.5)
    assert trend.narrowing is True


def test_group_gap_widening_when_lower_is_better():
    # Behaviour incidents (lower is better): the group has 4, 5, 7 a term while peers have
    # 2, 2, 2, so it is behind by 2, 3 and 5 (mean 10/3). Slope over positions 0, 1, 2:
    # (-1 x (2 - 10/3) + 0 + 1 x (5 - 10/3)) / 2 = (4/3 + 5/3) / 2 = 1.5 a term: widening.
    trend = group_gaps(
        [TermScores(term, [group], [2]) for term, group in [("T1", 4), ("T2", 5), ("T3", 7)]],
        higher_is_better=False,
    )

    assert [row.gap for row in trend.terms] == [2, 3, 5]
    assert trend.slope == pytest.approx(1.5)
    assert trend.narrowing is False


def test_group_gap_skips_terms_without_both_means():
    trend = group_gaps(
        [
            TermScores("Autumn", [90], [100]),
            TermScores("Spring", [], [100]),
            TermScores("Summer", [96], [100]),
        ]
    )

    assert trend.terms[1].gap is None
    assert trend.terms[1].group_mean is None
    # Gaps 10 at position 0 and 4 at position 2: slope -3 a term.
    assert trend.slope == pytest.approx(-3)
    assert trend.narrowing is True


def test_group_gap_trend_needs_two_terms():
    trend = group_gaps([TermScores("Autumn", [90], [100])])

    assert trend.slope is None
    assert trend.narrowing is None


def test_extra_traits_are_compared_too():
    records = [
        PupilRecord(gain=0, extra=(("Took part in", "Nurture"), ("Year group", "Year 9"))),
        PupilRecord(gain=0, extra=(("Took part in", "Nurture"), ("Took part in", "Nurture"))),
        PupilRecord(gain=3, extra=(("Year group", "Year 9"),)),
    ]

    report = who_is_not_progressing(records)

    listed = [
        (item.trait, item.value, item.count_not_progressing) for item in report.over_represented
    ]
    # A pair given twice counts once for that pupil.
    assert listed == [("Took part in", "Nurture", 2)]


@pytest.mark.parametrize(
    ("gaps", "sd", "expected"),
    [
        ([8, 6, 3], 15, "narrowing"),
        ([3, 6, 8], 15, "widening"),
        ([5, 5.5, 5.2], 15, "steady"),  # fitted change 0.2 < 1.5
        ([5, 5.5, 5.2], None, "widening"),  # no SD to judge "steady" by
        ([1.4, -2.2], 15, "widening"),  # from behind to further ahead
        ([-4, -1], 15, "narrowing"),  # ahead, by less
        ([6], 15, None),
    ],
)
def test_gap_direction(gaps, sd, expected):
    trend = group_gaps(
        [TermScores(f"T{index}", [100 - gap], [100]) for index, gap in enumerate(gaps)]
    )

    assert gap_direction(trend, sd=sd) == expected
