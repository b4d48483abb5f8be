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
    "No comparison group: no pupils outside provision on this measure have results on it at "
    "the same times."
)
REASON_TOO_FEW_COMPARISON = "Too few comparison pupils ({n}; at least {minimum} needed)."
REASON_TOO_FEW_GROUPS = (
    "Too few groups ({n}; at least {minimum} needed): the results of pupils taught together "
    "cannot be told apart from what their group shared, such as its adult or its timetable."
)
REASON_SINGULAR = (
    "The pupils who took part and the comparison pupils cannot be told apart by their entry "
    "results, so the comparison cannot be made."
)

# Headlines. Each starts with the plain answer, then the detail.
HEADLINE_HELPING = "Likely helping: {progress}{cost}"
HEADLINE_UNCLEAR_TOO_FEW = "Unclear: too few pupils to tell"
HEADLINE_NO_COMPARISON = "Cannot tell yet: no comparison group"
HEADLINE_CANNOT_TELL = "Cannot tell yet"
HEADLINE_UNCLEAR_ATTRITION = (
    "Unclear: pupils did better than similar pupils, but too many have no result after the group"
)
HEADLINE_NOT_DELIVERED = "Unclear: too little of the provision was delivered to judge it"
HEADLINE_UNCLEAR_CHANCE = "Unclear: the progress seen could be down to chance"
HEADLINE_NO_SIGN = "No sign of impact"
HEADLINE_NO_SIGN_YET = "No sign of impact so far: pupils did no better than expected"
HEADLINE_HARMFUL = "Possibly harmful: pupils made less progress than expected"

PROGRESS_RANGE = "between {low} and {high} months' extra progress"
PROGRESS_UP_TO = "up to {high} extra progress"
PROGRESS_ABOUT = "about {months} extra progress"
PROGRESS_UNDER_A_MONTH = "less than a month's extra progress"
COST_PER_PUPIL = ", costing {money} per pupil"

# Said under the headline when there was no fair comparison.
CAVEAT_BEFORE_AFTER_ONLY = (
    "Based on entry and exit results only: pupils picked for low scores often do better on "
    "a second test anyway, so this may overstate the impact."
)
CAVEAT_COMPARED = (
    "Compared with pupils in no provision on this measure, allowing for where each pupil "
    "started and when they were tested."
)
CAVEAT_NO_COMPARISON = (
    "The pupils' gains cannot be told apart from the usual rebound of pupils picked for low "
    "scores, who tend to do better on a second test anyway. To measure the impact, test "
    "pupils who are not in provision on this measure on the same dates as the group."
)
ATTRITION_WARNING = (
    "{missing} of the pupils placed have no entry result or no result after the group: if "
    "they did worse, the figures flatter the provision."
)
DELIVERED_WARNING = (
    "Only {delivered} of the planned sessions were delivered: deliver it as planned before "
    "judging it."
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


def percent(value: float) -> str:
    return f"{round(value * 100)}%"


def attrition_warning(share: float) -> str:
    return ATTRITION_WARNING.format(missing=percent(share))


def delivered_warning(share: float) -> str:
    return DELIVERED_WARNING.format(delivered=percent(share))


def progress_range(low: int, high: int) -> str:
    """Months of extra progress at the ends of an interval above zero, as a range: 'between
    1 and 5 months' extra progress', 'up to 2 months'', 'about 1 month's'."""
    if high <= 0:
        return PROGRESS_UNDER_A_MONTH
    if low == high:
        return PROGRESS_ABOUT.format(months=_months_of(high))
    if low <= 0:
        return PROGRESS_UP_TO.format(high=_months_of(high))
    return PROGRESS_RANGE.format(low=low, high=high)


def _months_of(months: int) -> str:
    """'1 month's', '3 months''."""
    return "1 month's" if months == 1 else f"{months} months'"


def months_range_words(low: int, high: int) -> str:
    """Months at the two ends of an interval, for a table: '+1 to +5', '-2 to +3', '0'."""
    if low == high:
        return signed_int(low)
    return f"{signed_int(low)} to {signed_int(high)}"


def signed_int(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


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


EXPLAIN_ADJUSTED = (
    "Pupils in this group gained {gain} on average. Compared with pupils in no provision on "
    "this measure with the same entry result and tested at the same times, the difference "
    "was {difference} (95% interval {low} to {high}; {effect_low} to {effect_high} SD, "
    "{months} on the EEF's scale)."
)
EXPLAIN_ABOVE = " The whole interval is above zero: the group most likely added to progress."
EXPLAIN_BELOW = (
    " The whole interval is below zero: the group's pupils most likely did worse than they "
    "would have done without it."
)
EXPLAIN_EITHER = (
    " The interval includes no difference at all, so the difference could be down to chance."
)
EXPLAIN_GAINS_ONLY = (
    "Pupils in this group gained {gain} on average between entry and exit. This is a "
    "description, not a measure of impact: {reason}"
)
EXPLAIN_NONE = "There are not yet enough entry and exit results to say what the group achieved."
SIMILAR_PUPILS = (
    "Similar pupils: pupils of the school in no provision on this measure at the time, who sat "
    "the same test on the same occasions as a group, compared at the same entry result; each "
    "counts once."
)


def explain_adjusted(
    *,
    gain: float,
    difference: float,
    low: float,
    high: float,
    effect_low: float,
    effect_high: float,
    months: tuple[int, int],
    unit: str,
) -> str:
    """The effect against the comparison group in plain words, as a range, ending with what
    the interval allows one to say (and no more)."""
    text = EXPLAIN_ADJUSTED.format(
        gain=units(figure(gain), unit),
        difference=units(signed_figure(difference), unit),
        low=signed_figure(low),
        high=signed_figure(high),
        effect_low=signed_figure(effect_low, 2),
        effect_high=signed_figure(effect_high, 2),
        months=months_span_words(*months),
    )
    if low > 0:
        return text + EXPLAIN_ABOVE
    if high < 0:
        return text + EXPLAIN_BELOW
    return text + EXPLAIN_EITHER


def explain_gains_only(*, gain: float, unit: str, reason: str | None) -> str:
    why = reason or REASON_NO_COMPARISON
    if why == REASON_NO_COMPARISON or why.startswith("Too few comparison"):
        why = f"{why} {CAVEAT_NO_COMPARISON}"
    return EXPLAIN_GAINS_ONLY.format(gain=units(figure(gain), unit), reason=why)


def signed_figure(value: float, places: int = 1) -> str:
    text = figure(value, places)
    return text if text.startswith("-") or text in ("0", "0.0") else f"+{text}"


def months_span_words(low: int, high: int) -> str:
    """Months at the ends of an interval in words: 'from 2 months less to 5 months'."""
    if low == high:
        return months_words(low)
    return f"from {months_words(low)} to {months_words(high)}"


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
