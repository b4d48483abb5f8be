"""Links built once in Python (provmap.web.links) are the links the template tags write."""

from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from provmap.web.links import QueryLinks, id_url


def test_an_id_url_is_the_reversed_url_with_that_id() -> None:
    pupil_url = id_url("pupil_detail", "100001")
    for pk in (1, 42, 2147483646, 9876543210):
        assert pupil_url(pk) == reverse("pupil_detail", args=["100001", pk])
    assert id_url("run_detail", "A1")(7) == reverse("run_detail", args=["A1", 7])


def test_query_links_keep_the_filters_in_order_and_drop_the_figure_picked() -> None:
    request = RequestFactory().get(
        "/x/", {"area": ["SEMH", "", "C&L"], "term": "3", "wave": "", "run": "9", "sen": "K"}
    )
    links = QueryLinks(request, "map_pupils", "100001")
    base = reverse("map_pupils", args=["100001"])
    # The term given again keeps its place; the figure picked (run, sen) is not carried over;
    # empty values are left out and a value is encoded.
    assert links(term=4, run=12) == f"{base}?area=SEMH&area=C%26L&term=4&run=12"
    assert links(term=4, run=12, sen="E") == f"{base}?area=SEMH&area=C%26L&term=4&run=12&sen=E"
    # An empty value removes a parameter.
    assert links(area="", term=None) == base


def test_the_query_url_tag_writes_the_same_links() -> None:
    request = RequestFactory().get("/x/", {"term": "3", "year": "7", "run": "5"})
    template = Template(
        "{% load provmap_urls %}{% query_url 'map_pupils' urn term=term run=run sen='K' %}"
    )
    written = template.render(Context({"request": request, "urn": "100001", "term": 8, "run": 2}))
    expected = QueryLinks(request, "map_pupils", "100001")(term=8, run=2, sen="K")
    assert written == expected.replace("&", "&amp;")
    assert (
        written == f"{reverse('map_pupils', args=['100001'])}?term=8&amp;year=7&amp;run=2&amp;sen=K"
    )
