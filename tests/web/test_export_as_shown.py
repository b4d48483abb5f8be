"""The map's downloads are what the page shows: its term and its filters, the term in the
file's name, year groups as numbers, and totals that add up the rows exported."""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from provmap.interchange.exports import HEADINGS
from provmap.provision.models import Provision
from tests.factories import PupilFactory
from tests.web.map_world import HTMX, World, add_run, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def mapped(world):
    """Two runs: Year 7 and 9 pupils in the reading group, Year 9 only in a second provision;
    and a run with no pupils."""
    year7 = [PupilFactory(school=world.school, nc_year="7", form="7A") for _ in range(2)]
    year9 = [PupilFactory(school=world.school, nc_year="9", form="9A") for _ in range(3)]
    add_run(world, pupils=[*year7, year9[0]], label="Group A")
    maths = Provision.objects.create(
        school=world.school,
        name="Maths boost",
        wave=2,
        sessions_per_week=Decimal(2),
        minutes_per_session=30,
    )
    add_run(world, pupils=year9, provision=maths, label="Group B")
    add_run(world, label="Group C")
    return year7, year9


def download_link(content: str, fmt: str) -> str:
    links = re.findall(rf'href="([^"]*/exports/map\.{fmt}[^"]*)"', content)
    assert links, "no download link"
    return html.unescape(links[0])


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def page_upns(content: str) -> set[str]:
    return set(re.findall(r"<code>(\w{13})</code>", content))


def test_a_filtered_term_map_downloads_its_term_and_filters(client, world, mapped):
    _, year9 = mapped
    client.force_login(world.senco)
    url = f"{reverse('term_map', args=[world.school.urn])}?term={world.term.pk}&nc_year=9"
    content = client.get(url).content.decode()
    link = download_link(content, "csv")
    assert f"term={world.term.pk}" in link and "nc_year=9" in link
    # The htmx answer (the filters applied as they change) carries the same link.
    fragment = client.get(url, **HTMX).content.decode()
    assert download_link(fragment, "csv") == link

    response = client.get(link)
    assert (
        response["Content-Disposition"] == 'attachment; filename="provision-map-2025-26-autumn.csv"'
    )
    rows = csv_rows(response.getvalue())
    assert {row["UPN"] for row in rows} == {pupil.upn for pupil in year9}
    assert {row["Year group"] for row in rows} == {"9"}
    # The pupils behind the filtered map are the pupils exported.
    pupils_url = f"{reverse('map_pupils', args=[world.school.urn])}?term={world.term.pk}&nc_year=9"
    assert page_upns(client.get(pupils_url).content.decode()) == {row["UPN"] for row in rows}


def test_a_run_filter_keeps_runs_with_no_pupils_only_when_the_page_does(client, world, mapped):
    client.force_login(world.senco)
    base = f"{reverse('export_map', args=[world.school.urn, 'csv'])}?term={world.term.pk}"
    whole = csv_rows(client.get(base).getvalue())
    assert {row["Group"] for row in whole} == {"Group A", "Group B", "Group C"}
    maths = Provision.objects.get(name="Maths boost")
    only = csv_rows(client.get(f"{base}&provision={maths.pk}").getvalue())
    assert {row["Group"] for row in only} == {"Group B"}


def test_the_totals_sheet_adds_up_the_rows_exported(client, world, mapped):
    _, year9 = mapped
    client.force_login(world.senco)
    link = (
        f"{reverse('export_map', args=[world.school.urn, 'xlsx'])}?term={world.term.pk}&nc_year=9"
    )
    response = client.get(link)
    assert response["Content-Disposition"].endswith('filename="provision-map-2025-26-autumn.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    sheet = book["Map"]
    headings = [cell.value for cell in sheet[1]]
    rows = [
        dict(zip(headings, (cell.value for cell in line), strict=True))
        for line in sheet.iter_rows(min_row=2)
    ]
    assert {row["Year group"] for row in rows} == {9}
    totals = {
        line[0].value: [cell.value for cell in line[1:]]
        for line in book["Totals"].iter_rows()
        if line[0].value is not None
    }
    assert totals["Groups"][0] == len({row[HEADINGS["group_ref"]] for row in rows}) == 2
    assert totals["Pupils"][0] == len({row["UPN"] for row in rows}) == len(year9)
    assert totals["Placements"][0] == len(rows) == 4
    shared = sum(Decimal(str(row[HEADINGS["pupil_cost"]])) for row in rows)
    assert Decimal(str(totals["Cost shared to the pupils listed"][0])).quantize(
        Decimal("0.01")
    ) == shared.quantize(Decimal("0.01"))
    # By year group: the year as a number, with every pupil exported.
    assert totals[9][0] == len(year9)
