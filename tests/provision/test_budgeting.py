"""The budget sums, alone: the part of a year's term days passed, each stream's line and the
totals, the bars."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from provmap.provision import budgeting

TERMS = [
    (dt.date(2025, 9, 1), dt.date(2025, 9, 10)),  # 10 days
    (dt.date(2026, 1, 5), dt.date(2026, 1, 14)),  # 10 days
]


def test_nothing_is_spent_before_the_first_term_and_all_after_the_last():
    assert budgeting.teaching_fraction(TERMS, dt.date(2025, 8, 31)) == 0
    assert budgeting.teaching_fraction(TERMS, dt.date(2026, 1, 14)) == 1
    assert budgeting.teaching_fraction(TERMS, dt.date(2026, 8, 1)) == 1


def test_holidays_spend_nothing():
    # Half-way through the first term, then the whole of it all through the holiday.
    assert budgeting.teaching_fraction(TERMS, dt.date(2025, 9, 5)) == Decimal("0.25")
    assert budgeting.teaching_fraction(TERMS, dt.date(2025, 12, 25)) == Decimal("0.5")
    assert budgeting.teaching_fraction(TERMS, dt.date(2026, 1, 9)) == Decimal("0.75")


def test_no_terms_spend_nothing():
    assert budgeting.teaching_fraction([], dt.date(2026, 1, 1)) == 0


def test_spent_to_date_is_to_the_penny():
    assert budgeting.spent_to_date(Decimal("100"), Decimal(1) / Decimal(3)) == Decimal("33.33")


def test_lines_keep_the_streams_order_then_other_headings():
    lines = budgeting.budget_lines(
        ["Pupil premium", "Notional SEN"],
        {"Pupil premium": Decimal(1000)},
        {"Notional SEN": Decimal(400), "Not assigned": Decimal(50), "Pupil premium": Decimal(1200)},
        {"Pupil premium": Decimal(600)},
    )
    assert [line.name for line in lines] == ["Pupil premium", "Notional SEN", "Not assigned"]
    premium, sen, unassigned = lines
    assert premium.remaining == Decimal(-200) and premium.over and premium.over_by == 200
    assert sen.budget is None and sen.remaining is None and not sen.over
    assert unassigned.to_date == 0
    totals = budgeting.budget_totals(lines)
    assert (totals.budget, totals.planned, totals.to_date) == (1000, 1650, 600)
    assert totals.remaining == -650


def test_the_bars_say_every_figure_in_words():
    lines = budgeting.budget_lines(
        ["A & B"], {"A & B": Decimal(1000)}, {"A & B": Decimal(250)}, {"A & B": Decimal(100)}
    )
    svg = budgeting.budget_bars(lines, label="Streams")
    assert 'role="img"' in svg and "<title>Streams</title>" in svg
    assert "A &amp; B" in svg
    for words in ("Budget £1,000", "Planned £250", "Spent £100"):
        assert words in svg
    assert "style=" not in svg
    assert budgeting.describe(lines[0]) == "A & B: £250 planned of £1,000, £750 left"


def test_the_sums_import_no_django():
    import subprocess
    import sys

    check = "import sys; print(sorted(m for m in sys.modules if m.startswith('django')))"
    loaded = subprocess.run(
        [sys.executable, "-c", f"import provmap.provision.budgeting; {check}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert loaded == "[]"
