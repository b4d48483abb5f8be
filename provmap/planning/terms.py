"""Which term the planning pages plan: one rule for every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from provmap.schools.models import Term


def planned_term(terms: Sequence[Term], today: dt.date) -> Term | None:
    """The term being planned: the one after the current term, or in a holiday the next one
    to start; None when the school has set up no later term."""
    ordered = sorted(terms, key=lambda term: term.start_date)
    current = next((term for term in ordered if term.start_date <= today <= term.end_date), None)
    after = current.start_date if current is not None else today
    return next((term for term in ordered if term.start_date > after), None)


def chosen_or_planned(terms: Sequence[Term], wanted: str, today: dt.date) -> Term | None:
    """The term named by a page's `?term=` (one of the school's), else the term planned."""
    chosen = next((term for term in terms if str(term.pk) == wanted), None)
    return chosen or planned_term(terms, today)
