"""Any map, exported (CSV or XLSX) and imported into a school with the same calendar and
pupils, is the same map; imported back into its own school, it changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provmap.interchange.exports import map_csv_bytes, map_export, map_xlsx_bytes
from provmap.interchange.files import Upload
from provmap.interchange.map_import import import_map
from provmap.provision.models import Placement, ProvisionType
from provmap.pupils.needs import Area, NeedType
from tests.factories import SchoolFactory
from tests.interchange.maps import (
    STAFF,
    MapSpec,
    PlacementSpec,
    ProvisionSpec,
    RunSpec,
    build_map,
    describe_map,
)
from tests.interchange.test_exports import add_calendar_and_pupils

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 10, 1)
PUPILS = 4

# Text as people type it, including what a spreadsheet would take for a formula.
words = st.text(
    alphabet=st.sampled_from(list("abcXYZ 09=+-@'\",;:é£()/")), min_size=0, max_size=14
).map(str.strip)
scores = st.decimals(min_value=-50, max_value=200, places=2, allow_nan=False)


@st.composite
def placements(draw) -> list[PlacementSpec]:
    pupils = draw(st.lists(st.integers(0, PUPILS - 1), unique=True, max_size=PUPILS))
    chosen = []
    for pupil in pupils:
        results = {}
        if draw(st.booleans()):
            baseline_day = draw(st.integers(0, 10))
            results["baseline"] = (draw(scores), baseline_day)
            for stage in ("midpoint", "exit"):
                if draw(st.booleans()):
                    results[stage] = (draw(scores), baseline_day + draw(st.integers(0, 40)))
        chosen.append(
            PlacementSpec(
                pupil=pupil,
                start=draw(st.integers(0, 20)),
                end=draw(st.none() | st.integers(0, 40)),
                need=draw(st.sampled_from(["", *NeedType.values])),
                priority=draw(st.sampled_from(Placement.Priority.values)),
                status=draw(st.sampled_from(Placement.Status.values)),
                rating=draw(st.sampled_from(["", *Placement.Rating.values])),
                notes=draw(words),
                results=results,
            )
        )
    return chosen


@st.composite
def maps(draw) -> MapSpec:
    names = draw(
        st.lists(
            st.sampled_from(
                ["Reading catch-up", "ELSA", "Lego therapy", "=Maths boost", "Précis writing"]
            ),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    provisions = [
        ProvisionSpec(
            name=name,
            wave=draw(st.integers(1, 3)),
            provision_type=draw(st.sampled_from(ProvisionType.values)),
            areas=tuple(draw(st.lists(st.sampled_from(Area.values), unique=True, max_size=2))),
            measure=draw(st.sampled_from(["", f"{name} test"])),
        )
        for name in names
    ]
    runs = []
    for _ in range(draw(st.integers(1, 4))):
        provision = draw(st.integers(0, len(provisions) - 1))
        staff = draw(st.lists(st.integers(0, len(STAFF) - 1), unique=True, max_size=2))
        run_placements = draw(placements())
        if not provisions[provision].measure:
            for item in run_placements:
                item.results = {}
        runs.append(
            RunSpec(
                provision=provision,
                label=draw(st.sampled_from(["", "Group A", "+Set 2"])),
                term=draw(st.sampled_from([None, 0, 1])),
                start=draw(st.integers(0, 200)),
                length=draw(st.integers(0, 90)),
                weeks=draw(st.sampled_from([Decimal("6"), Decimal("10"), Decimal("12.5")])),
                sessions=draw(st.sampled_from([Decimal("1"), Decimal("1.5"), Decimal("3")])),
                minutes=draw(st.sampled_from([15, 20, 30, 45])),
                staff=[
                    (index, *draw(st.sampled_from([(None, None), (Decimal("2"), 25)])))
                    for index in staff
                ],
                lead=draw(st.none() | st.integers(0, len(STAFF) - 1)),
                reviewer=draw(st.none() | st.integers(0, len(STAFF) - 1)),
                funding=draw(st.sampled_from(["", "Pupil premium", "Notional SEN"])),
                status=draw(st.sampled_from(["planned", "running", "closed"])),
                day_time=draw(words),
                withdrawn_from=draw(words),
                notes=draw(words),
                placements=run_placements,
            )
        )
    return MapSpec(provisions=provisions, runs=runs)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=maps(), as_xlsx=st.booleans())
def test_any_map_exported_and_imported_again_is_the_same_map(db, spec, as_xlsx):
    school = SchoolFactory()
    build_map(school, add_calendar_and_pupils(school), spec)
    export = map_export(school, as_of=AS_OF)
    data = map_xlsx_bytes(export) if as_xlsx else map_csv_bytes(export)
    upload = Upload("map.xlsx" if as_xlsx else "map.csv", data)
    other = SchoolFactory()
    add_calendar_and_pupils(other)

    report = import_map(upload, school=other, as_of=AS_OF)

    assert report.errors == []
    assert describe_map(other) == describe_map(school)
    again = import_map(upload, school=school, as_of=AS_OF)
    assert again.errors == []
    assert {record.action for record in again.records} <= {"unchanged"}
