"""Runs fetched with their details hand each run its rows as `prefetch_related` would: read
without a query, and any new question answered by the database as the relation's own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provmap.provision.models import ProvisionRun
from provmap.provision.selectors.costed import with_details
from tests.factories import PupilFactory
from tests.provision import test_selectors
from tests.provision.test_selectors import numeracy_set_5

pytestmark = pytest.mark.django_db
term = test_selectors.term


def test_details_are_read_without_queries_and_new_questions_ask_the_database(term):
    school = term.school
    first = numeracy_set_5(term, PupilFactory.create_batch(3, school=school), name="Set A")
    other = numeracy_set_5(term, PupilFactory.create_batch(2, school=school), name="Set B")

    runs = {run.pk: run for run in with_details(ProvisionRun.objects.filter(school=school))}
    run = runs[first.pk]
    with CaptureQueriesContext(connection) as reads:
        placements = list(run.placements.all())
        assert run.placements.count() == 3
        assert run.placements.exists()
        assert len(run.staff_lines.all()) == 2
        assert [line.staff.role for line in run.staff_lines.all()] == ["teacher", "ta"]
        assert all(item.run is run for item in placements)
        assert [list(item.pupil.needs.all()) for item in placements] == [[], [], []]
        assert list(runs[other.pk].placements.all()) != placements
    assert reads.captured_queries == []

    # A filter is the relation's own query: this run's placements only, not the cached rows.
    with CaptureQueriesContext(connection) as asked:
        named = run.placements.filter(pupil=placements[0].pupil)
        assert [item.pk for item in named] == [placements[0].pk]
        assert run.placements.exclude(pk=placements[0].pk).count() == 2
    assert len(asked.captured_queries) == 2
    # ... and the rows fetched are still there afterwards.
    with CaptureQueriesContext(connection) as again:
        assert len(run.placements.all()) == 3
    assert again.captured_queries == []


def test_a_chained_query_keeps_the_details(term):
    school = term.school
    run = numeracy_set_5(term, PupilFactory.create_batch(2, school=school))

    found = with_details(ProvisionRun.objects.filter(school=school)).order_by("-pk").first()

    assert found == run
    with CaptureQueriesContext(connection) as reads:
        assert len(found.placements.all()) == 2
    assert reads.captured_queries == []
