"""Every sentence the impact figures show to people, in one place.

The statistics modules return numbers and, when they cannot give one, a reason taken from
here; the verdicts module turns numbers into the headline and recommendation a SENCO reads.
Keeping the words together means they can be reviewed (and one day translated) at once.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
