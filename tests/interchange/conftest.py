"""The school every interchange test imports into: Oakfield Academy (URN 123456, LA 801,
establishment 2000), with its 2025-26 calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from provmap.schools.models import School
from tests.factories import AcademicYearFactory, SchoolFactory, TermFactory

SEPTEMBER = dt.date(2025, 10, 1)


@pytest.fixture
def school(db: None) -> School:
    return SchoolFactory(urn="123456", name="Oakfield Academy", la_code="801", estab_code="2000")


@pytest.fixture
def calendar(school: School):  # type: ignore[no-untyped-def]
    year = AcademicYearFactory(
        school=school,
        name="2025-26",
        start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2026, 7, 22),
    )
    terms = [
        TermFactory(
            school=school,
            academic_year=year,
            number=number,
            name=name,
            start_date=start,
            end_date=end,
            weeks=Decimal(weeks),
        )
        for number, name, start, end, weeks in (
            (1, "Autumn", dt.date(2025, 9, 1), dt.date(2025, 12, 19), 15),
            (2, "Spring", dt.date(2026, 1, 5), dt.date(2026, 3, 27), 12),
            (3, "Summer", dt.date(2026, 4, 13), dt.date(2026, 7, 22), 12),
        )
    ]
    return year, terms
