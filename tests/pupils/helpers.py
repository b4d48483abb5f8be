"""A pupil as the register's tests create one."""

from __future__ import annotations

import datetime as dt

from provmap.pupils.models import Pupil
from provmap.pupils.services import pupil_create
from provmap.schools.models import School


def make_pupil(school: School, **overrides: object) -> Pupil:
    values: dict[str, object] = {
        "school": school,
        "upn": "H801200001001",
        "legal_forename": "Amira",
        "surname": "Hussain",
        "date_of_birth": dt.date(2013, 10, 2),
        "sex": "F",
        "nc_year": "7",
        "on_roll_from": dt.date(2025, 9, 1),
    }
    values.update(overrides)
    return pupil_create(**values)
