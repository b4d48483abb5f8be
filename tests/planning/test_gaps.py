"""The gap rules on a small world worked by hand.

Kinds: K1 structured literacy (CL; entries P1, P2), K2 numeracy (CL; P3), K3 counselling
(SEMH; no entries listed, so met by entries addressing SEMH), K4 language (CI; P5, wave 1
only), K5 coordination (SP; P7, in the catalogue but not run this term).
Catalogue: P1 reading catch-up (w2, CL), P2 dyslexia 1:1 (w3, CL), P3 maths catch-up (w2,
CL), P4 ELSA (w2, SEMH), P5 word-rich classroom (w1, CI), P6 fine motor group (w2, SP), P7 OT
programme (w3, SP).
Runs: R1 P1, R2 P2, R3 P3, R4 P4, R6 P6, R7 P1.
Pupils (year): 1 (7), 2 (7), 3 (8), 4 (8), 5 (9, not audited).
Cells: 1 K1 must, 1 K3 should; 2 K1 must, 2 K2 could; 3 K2 must, 3 K4 should; 4 K3 must,
4 K5 could.
Placements: 11 pupil 1 in R1 (SPLD), 12 pupil 1 in R2 (SPLD), 13 pupil 2 in R6, 14 pupil 3
in R3 (MLD), 15 pupil 4 in R4 (SEMH), 16 pupil 5 in R1, 17 pupil 3 in R7 (MLD).
"""

from __future__ import annotations

from provmap.planning import gaps
from provmap.planning.gaps import Cell, Entry, Kind, Place

AREAS = {
    "CI": "Communication and interaction",
    "CL": "Cognition and learning",
    "SEMH": "Social, emotional and mental health",
    "SP": "Sensory and/or physical",
    "OTH": "Other or not yet assessed",
}

KINDS = [
    Kind(1, "Structured literacy", "CL", frozenset({1, 2}), 1),
    Kind(2, "Numeracy", "CL", frozenset({3}), 2),
    Kind(3, "Counselling", "SEMH", frozenset(), 3),
    Kind(4, "Language", "CI", frozenset({5}), 4),
    Kind(5, "Coordination", "SP", frozenset({7}), 5),
]
ENTRIES = [
    Entry(1, "Reading catch-up", 2, frozenset({"CL"})),
    Entry(2, "Dyslexia 1:1", 3, frozenset({"CL"})),
    Entry(3, "Maths catch-up", 2, frozenset({"CL"})),
    Entry(4, "ELSA", 2, frozenset({"SEMH"})),
    Entry(5, "Word-rich classroom", 1, frozenset({"CI"})),
    Entry(6, "Fine motor group", 2, frozenset({"SP"})),
    Entry(7, "OT programme", 3, frozenset({"SP"})),
]
RUNS = {1: 1, 2: 2, 3: 3, 4: 4, 6: 6, 7: 1}
AREA_OF = {"SPLD": "CL", "MLD": "CL", "SEMH": "SEMH", "": ""}


def place(pk: int, pupil: int, run: int, need: str = "") -> Place:
    entry = RUNS[run]
    wave = next(item.wave for item in ENTRIES if item.id == entry)
    return Place(pk, pupil, run, entry, wave, need, AREA_OF[need])


PLACES = [
    place(11, 1, 1, "SPLD"),
    place(12, 1, 2, "SPLD"),
    place(13, 2, 6),
    place(14, 3, 3, "MLD"),
    place(15, 4, 4, "SEMH"),
    place(16, 5, 1),
    place(17, 3, 7, "MLD"),
]
CELLS = [
    Cell(1, 1, "must"),
    Cell(1, 3, "should"),
    Cell(2, 1, "must"),
    Cell(2, 2, "could"),
    Cell(3, 2, "must"),
    Cell(3, 4, "should"),
    Cell(4, 3, "must"),
    Cell(4, 5, "could"),
]
YEARS = {1: "7", 2: "7", 3: "8", 4: "8", 5: "9"}


def world(**changes: object) -> gaps.World:
    values: dict[str, object] = {
        "cells": CELLS,
        "kinds": KINDS,
        "entries": ENTRIES,
        "places": PLACES,
        "runs": RUNS,
        "years": YEARS,
    }
    values.update(changes)
    return gaps.World(**values)  # type: ignore[arg-type]


def test_unmet_needs_must_then_should_then_could() -> None:
    unmet = [(need.pupil, need.kind, need.level) for need in gaps.unmet_needs(world())]
    assert unmet == [
        (2, 1, "must"),  # pupil 2 is only in the fine motor group
        (1, 3, "should"),  # pupil 1's runs are of cognition and learning, not SEMH
        (3, 4, "should"),  # language's only entry is wave 1, and nobody is placed in it
        (2, 2, "could"),
        (4, 5, "could"),  # the OT programme is in the catalogue but not run
    ]


def test_needs_met_say_which_placements_meet_them() -> None:
    met = {
        (need.pupil, need.kind): [place.placement for place in need.meeting]
        for need in gaps.needs(world())
        if need.met
    }
    # Counselling lists no entries: ELSA meets it by addressing SEMH.
    assert met == {(1, 1): [11, 12], (3, 2): [14], (4, 3): [15]}


def test_a_kind_listing_no_entries_is_met_by_the_need_a_placement_addresses() -> None:
    # An entry addressing no area, placed for an SEMH need, meets counselling.
    entries = [*ENTRIES, Entry(8, "Check-in", 2, frozenset())]
    runs = {**RUNS, 8: 8}
    places = [Place(21, 1, 8, 8, 2, "SEMH", "SEMH")]
    found = gaps.needs(world(entries=entries, runs=runs, places=places))
    assert [(need.pupil, need.kind) for need in found if need.met] == [(1, 3)]


def test_over_provision_other_needs_first_then_pupils_not_audited() -> None:
    found = [(item.place.placement, item.reason) for item in gaps.over_provision(world())]
    assert found == [
        (13, gaps.NO_MATCHING_NEED),  # fine motor for a pupil needing literacy and numeracy
        (17, gaps.NO_MATCHING_NEED),  # a reading group for a pupil needing numeracy, language
        (16, gaps.NOT_AUDITED),
    ]


def test_duplication_by_kind_and_need_type_reported_once() -> None:
    found = gaps.duplications(world())
    assert [(item.pupil, item.runs, item.kinds, item.need_types) for item in found] == [
        # Both meet structured literacy and address SpLD: one finding with both reasons.
        (1, (1, 2), (1,), ("SPLD",)),
        # Maths catch-up and a reading group meet different kinds but both address MLD.
        (3, (3, 7), (), ("MLD",)),
    ]
    assert not any(item.same_entry for item in found)


def test_duplication_of_the_same_entry_in_two_runs() -> None:
    places = [place(31, 2, 1), place(32, 2, 7)]
    (found,) = gaps.duplications(world(places=places))
    assert found.pupil == 2
    assert found.runs == (1, 7)
    assert found.same_entry
    assert found.kinds == (1,)
    assert found.need_types == ()


def test_one_placement_each_is_no_duplication() -> None:
    assert gaps.duplications(world(places=[place(41, 1, 1), place(42, 2, 2)])) == []


def test_areas_without_wave_two_or_three_provision() -> None:
    rows = gaps.areas_without_provision(world(), AREAS)
    found = [(row.scope, row.key, row.catalogue, dict(row.counts)) for row in rows]
    assert found == [
        # Language: only a wave-1 entry, so none in the catalogue.
        ("kind", "4", (), {"must": 0, "should": 1, "could": 0}),
        # Coordination: the OT programme is in the catalogue, but no run of it this term.
        ("kind", "5", (7,), {"must": 0, "should": 0, "could": 1}),
        # Communication and interaction: nothing at wave 2 or 3 addresses it.
        ("area", "CI", (), {"must": 0, "should": 1, "could": 0}),
    ]


def test_area_provision_counts_and_what_is_planned() -> None:
    rows = {(row.scope, row.key): row for row in gaps.area_provision(world(), AREAS)}
    literacy = rows[("kind", "1")]
    assert dict(literacy.counts) == {"must": 2, "should": 0, "could": 0}
    assert literacy.catalogue == (1, 2) and literacy.planned == (1, 2)
    cl = rows[("area", "CL")]
    assert dict(cl.counts) == {"must": 3, "should": 0, "could": 1}
    assert cl.catalogue == (1, 2, 3) and cl.in_term
    sp = rows[("area", "SP")]
    # The fine motor group is run; the OT programme is not.
    assert sp.catalogue == (6, 7) and sp.planned == (6,)
    # An inactive entry does not count.
    entries = [Entry(4, "ELSA", 2, frozenset({"SEMH"}), active=False)] + [
        item for item in ENTRIES if item.id != 4
    ]
    semh = {
        (row.scope, row.key): row for row in gaps.area_provision(world(entries=entries), AREAS)
    }[("area", "SEMH")]
    assert semh.catalogue == ()


def test_totals_by_year_group_and_area() -> None:
    table = gaps.totals(world(), by=gaps.AREA, area_names=AREAS, year_order=("7", "8", "9"))
    assert table.years == ["7", "8"]
    assert [key for key, _ in table.columns] == ["CI", "CL", "SEMH", "SP"]
    y7_cl = table.cell("7", "CL")
    assert y7_cl.met["must"] == {1}
    assert y7_cl.unmet["must"] == {2}
    assert y7_cl.unmet["could"] == {2}
    assert y7_cl.covered == {1}
    assert table.cell("7", "SEMH").unmet["should"] == {1}
    assert table.cell("8", "CL").covered == {3}
    assert table.cell("8", "SEMH").covered == {4}
    assert table.cell("8", "SP").unmet["could"] == {4}
    assert table.cell("9", "CL").pupils == set()
    y7, y8 = table.by_year["7"], table.by_year["8"]
    assert (y7.count("unmet", "must"), y7.count("unmet", "should")) == (1, 1)
    assert y7.covered == set()  # pupil 1's SEMH need is unmet, pupil 2's literacy
    assert (y8.count("unmet", "must"), y8.count("unmet", "should")) == (0, 1)
    assert y8.covered == set()
    assert table.by_column["CL"].covered == {1, 3}
    assert table.overall.count("met", "must") == 3
    assert table.overall.count("unmet", "must") == 1


def test_totals_by_kind() -> None:
    table = gaps.totals(world(), by=gaps.KIND, year_order=("7", "8"))
    assert [name for _, name in table.columns] == [
        "Structured literacy",
        "Numeracy",
        "Counselling",
        "Language",
        "Coordination",
    ]
    assert table.cell("7", "1").met["must"] == {1}
    assert table.cell("7", "1").unmet["must"] == {2}
    assert table.cell("8", "4").unmet["should"] == {3}


def test_an_empty_audit_has_no_gaps_but_everything_placed_is_unaudited() -> None:
    empty = world(cells=[])
    assert gaps.unmet_needs(empty) == []
    assert {item.reason for item in gaps.over_provision(empty)} == {gaps.NOT_AUDITED}
    assert gaps.areas_without_provision(empty, AREAS) == []
    assert gaps.totals(empty).years == []


def test_a_kind_with_no_area_has_a_column_of_its_own() -> None:
    kinds = [*KINDS, Kind(6, "Other", "", frozenset(), 9)]
    cells = [*CELLS, Cell(1, 6, "could")]
    table = gaps.totals(world(kinds=kinds, cells=cells), area_names=AREAS, year_order=("7",))
    assert table.columns[-1] == (gaps.NO_AREA, "No area")
    assert table.cell("7", gaps.NO_AREA).unmet["could"] == {1}
