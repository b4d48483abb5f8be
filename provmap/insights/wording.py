"""Every sentence the impact figures show to people, in one place.

The statistics modules return numbers and, when they cannot give one, a reason taken from
here; the verdicts module turns numbers into the headline and recommendation a SENCO reads.
Keeping the words together means they can be reviewed (and one day translated) at once.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# `figure` (a number for a sentence: 6, 2.5, -1.3) is written as every page writes one; the
# impact modules use it from here.
from provmap.formatting import counted, figure

# Why an effect could not be worked out (the `reason` of a result object).
REASON_NO_MEASURE = "No measure of progress is set for this provision."
REASON_TOO_FEW_PUPILS = (
    "Too few pupils with entry and exit results ({n}; at least {minimum} needed)."
)
REASON_NO_SPREAD = "The results hardly vary, so there is nothing to measure the change against."
REASON_NO_COMPARISON = (
    "No comparison group: no other pupils have results on this measure at the same times."
)
REASON_TOO_FEW_COMPARISON = "Too few comparison pupils ({n}; at least {minimum} needed)."
REASON_SINGULAR = (
    "The pupils who took part and the comparison pupils cannot be told apart by their entry "
    "results, so the comparison cannot be made."
)

# Headlines. Each starts with the plain answer, then the detail.
HEADLINE_HELPING = "Likely helping: {progress}{cost}"
HEADLINE_UNCLEAR_TOO_FEW = "Unclear: too few pupils to tell"
HEADLINE_UNCLEAR_CHANCE = "Unclear: the progress seen could be down to chance"
HEADLINE_NO_SIGN = "No sign of impact"
HEADLINE_NO_SIGN_YET = "No sign of impact so far: pupils did no better than expected"
HEADLINE_HARMFUL = "Possibly harmful: pupils made less progress than expected"

PROGRESS_MONTHS = "about {months} months' extra progress"
PROGRESS_ONE_MONTH = "about 1 month's extra progress"
PROGRESS_UNDER_A_MONTH = "less than a month's extra progress"
COST_PER_PUPIL = ", costing {money} per pupil"

# Said under the headline when there was no fair comparison.
CAVEAT_BEFORE_AFTER_ONLY = (
    "Based on entry and exit results only: pupils picked for low scores often do better on "
    "a second test anyway, so this may overstate the impact."
)
CAVEAT_COMPARED = (
    "Compared with pupils who did not take part, allowing for where each pupil started."
)

# Recommendations, as the termly review asks them: continue, change or stop.
CONTINUE = "continue"
CHANGE = "change"
STOP = "stop"
NOT_ENOUGH_EVIDENCE = "not enough evidence"


def money(amount: Decimal) -> str:
    """Whole pounds, as a headline shows them: £1,410."""
    pounds = Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"£{pounds:,}"


def progress_phrase(months: int) -> str:
    if months <= 0:
        return PROGRESS_UNDER_A_MONTH
    if months == 1:
        return PROGRESS_ONE_MONTH
    return PROGRESS_MONTHS.format(months=months)


# --- The impact pages -----------------------------------------------------------------------

UNIT_POINTS = "points"
UNIT_MONTHS = "months"
UNIT_PERCENTAGE_POINTS = "percentage points"


def unit_of(scale: str) -> str:
    """What a measure's gains are counted in, for sentences: months of reading age, points."""
    if scale == "age_months":
        return UNIT_MONTHS
    if scale == "percent":
        return UNIT_PERCENTAGE_POINTS
    return UNIT_POINTS


def units(text: str, unit: str) -> str:
    """A figure with its unit, singular for one: '1 point', '2.5 points', '1 month'."""
    if text in ("1", "-1") and unit.endswith("s"):
        return f"{text} {unit[:-1]}"
    return f"{text} {unit}"


def months_words(months: int) -> str:
    """EEF months as words: '2 months', '1 month', 'under a month', '3 months less'."""
    size = abs(months)
    if size == 0:
        return "under a month"
    words = counted(size, "month")
    return words if months > 0 else f"{words} less"


EXPLAIN_ADJUSTED_GAIN = (
    "Pupils in this group gained {gain}; similar pupils who did not take part gained "
    "{expected}; so about {difference}, {effect} SD or {months} of progress, are down to the "
    "group."
)
EXPLAIN_ADJUSTED_LOSS = (
    "Pupils in this group gained {gain}; similar pupils who did not take part gained "
    "{expected}; so the group ended about {difference} behind them ({effect} SD, {months})."
)
EXPLAIN_RAW = (
    "Pupils in this group gained {gain} on average between entry and exit ({effect} SD, "
    "{months} on the EEF's scale). No fair comparison with pupils who did not take part was "
    "possible, so some of this gain may have happened anyway."
)
EXPLAIN_NONE = "There are not yet enough entry and exit results to say what the group achieved."
SIMILAR_PUPILS = (
    "Similar pupils: pupils of the school who never took part and sat the same test at the "
    "same times, compared at the same entry result."
)


def explain_adjusted(
    *, gain: float, difference: float, effect: float, months: int, unit: str
) -> str:
    """The adjusted effect in plain words: what the group gained, what similar pupils gained,
    and the difference as points, SD and months."""
    template = EXPLAIN_ADJUSTED_GAIN if difference >= 0 else EXPLAIN_ADJUSTED_LOSS
    return template.format(
        gain=units(figure(gain), unit),
        expected=figure(gain - difference),
        difference=units(figure(abs(difference)), unit),
        effect=figure(effect, 2),
        months=months_words(months),
    )


def explain_raw(*, gain: float, effect: float, months: int, unit: str) -> str:
    return EXPLAIN_RAW.format(
        gain=units(figure(gain), unit), effect=figure(effect, 2), months=months_words(months)
    )


# Gaps between a group and its peers over terms.
GAP_NARROWING = "narrowing"
GAP_WIDENING = "widening"
GAP_STEADY = "steady"
GAP_UNKNOWN = "not enough terms to tell"
GAP_BEHIND = "{group} were {gap} behind {peers}"
GAP_AHEAD = "{group} were {gap} ahead of {peers}"
GAP_LEVEL = "{group} were level with {peers}"


def gap_phrase(group: str, peers: str, gap: float, unit: str) -> str:
    """One term's gap in words (a positive gap means the group is behind)."""
    if round(gap, 1) == 0:
        return GAP_LEVEL.format(group=group, peers=peers)
    template = GAP_BEHIND if gap > 0 else GAP_AHEAD
    return template.format(group=group, peers=peers, gap=units(figure(abs(gap)), unit))


def gap_sentence(
    *,
    group: str,
    peers: str,
    first: tuple[str, float],
    last: tuple[str, float],
    direction: str,
    unit: str,
) -> str:
    """'Disadvantaged pupils were 8 points behind their peers in Autumn 2025 and 3 in Summer
    2026: the gap is narrowing.'"""
    start = gap_phrase(group, peers, first[1], unit)
    if first[0] == last[0]:
        return f"{start} in {first[0]}."
    end_size = figure(abs(last[1]))
    side = "behind" if last[1] > 0 else "ahead"
    end = "level" if round(last[1], 1) == 0 else f"{end_size} {side}"
    return f"{start} in {first[0]} and {end} in {last[0]}: the gap is {direction}."


# Who is not progressing.
NOT_PROGRESSING_RULE = (
    "A pupil counts as not progressing when fewer than half of their placements with entry and "
    "exit results met the provision's success criteria (where a provision has none: gained "
    "less than a tenth of a standard deviation)."
)

# Wider outcomes ("stickiness").
WIDER_ATTENDANCE = "Attendance"
WIDER_BEHAVIOUR = "Behaviour"
WIDER_ATTAINMENT = "Attainment"
