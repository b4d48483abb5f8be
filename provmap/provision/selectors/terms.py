"""Which term a date falls in."""

from __future__ import annotations

import datetime as dt

from provmap.schools.models import School, Term


def current_term(school: School, today: dt.date) -> Term | None:
    """The term that contains `today`, else the next one, else the latest one."""
    return term_on(list(Term.objects.filter(school=school).select_related("academic_year")), today)


def term_on(terms: list[Term], today: dt.date) -> Term | None:
    """Of `terms` (in date order), the one containing `today`, else the next, else the last."""
    for term in terms:
        if term.start_date <= today <= term.end_date:
            return term
    upcoming = [term for term in terms if term.start_date > today]
    if upcoming:
        return upcoming[0]
    return terms[-1] if terms else None
