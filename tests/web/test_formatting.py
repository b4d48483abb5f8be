"""Counts, numbers and changes are written one way, in Python and in templates."""

from decimal import Decimal

from django.template import Context, Template

from provmap.formatting import counted, figure, plural, signed


def test_counted_writes_the_count_with_its_word():
    assert counted(1, "pupil") == "1 pupil"
    assert counted(0, "pupil") == "0 pupils"
    assert counted(3, "pupil") == "3 pupils"
    assert counted(2, "child", "children") == "2 children"
    assert counted(Decimal("38.0"), "week") == "38 weeks"
    assert counted(Decimal("1.0"), "week") == "1 week"
    assert counted(Decimal("2.5"), "session") == "2.5 sessions"


def test_plural_is_the_word_alone():
    assert plural(1, "is", "are") == "is"
    assert plural(2, "is", "are") == "are"
    assert plural(1, "Year") == "Year"
    assert plural(4, "Year") == "Years"


def test_signed_and_figure():
    assert [signed(value) for value in (6, -2, 0, Decimal("2.50"), None)] == [
        "+6",
        "-2",
        "0",
        "+2.5",
        "\u2013",
    ]
    assert [figure(value) for value in (6.0, 2.25, -0.04, -1.3)] == ["6", "2.2", "0", "-1.3"]


def test_the_template_filters_say_the_same():
    template = Template(
        '{% load provmap_format %}{{ n|counted:"pupil" }}; {{ n|plural:"is,are" }}; '
        "{{ money|gbp }}; {{ minutes|duration }}"
    )
    text = template.render(Context({"n": 1, "money": Decimal("-1234.5"), "minutes": 90}))
    assert text == "1 pupil; is; -£1,234.50; 1.5 hours"
    text = template.render(Context({"n": 2, "money": Decimal("12"), "minutes": 60}))
    assert text == "2 pupils; are; £12.00; 1 hour"
