"""Simulated schools with known true effects, for the estimator's tests.

A year group sits a test several times a year. Scores are true ability plus measurement
error (reliability 0.8), so pupils picked for a low entry score are partly unlucky on the
day and score higher next time whatever happens: regression to the mean. Groups (runs) of a
provision take the lowest scorers on their entry occasion not yet picked; taking part adds
the provision's true effect (in SDs of the scores) to the exit result, and each group adds
its own shared effect (a teacher, a timetable). When dates are staggered, each group is
picked from its own form on that group's entry occasion, and the form's other pupils are
compared on the same occasions: pupils are picked on the entry result the model sees, the
assumption the estimate rests on. Everything is seeded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from provmap.insights.estimator import Spell

RELIABILITY = 0.8
SD = 15.0
# Cohort tests: months after the start of the year (September, December, March, June).
OCCASIONS = (0.0, 3.0, 6.0, 9.0)
# Occasion pairs a group can run between, cycled through when dates are staggered.
STAGGERED_PAIRS = ((0, 1), (1, 2), (0, 2), (2, 3))


@dataclass(frozen=True)
class Design:
    """What a simulated school does."""

    effects: dict[str, float]
    runs: int = 4
    run_size: int = 6
    pupils: int = 360
    group_sd: float = 0.0
    dropout: float = 0.0
    overlap: float = 0.0
    comparison: bool = True
    staggered: bool = False
    # Points gained a month by every pupil (reading ages grow; standardised scores do not).
    growth: float = 0.0
    # Runs of their own: provision -> (runs, run size), overriding runs and run_size.
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)

    def truth(self, name: str) -> float:
        """The effect of being placed (intention to treat): pupils who leave early get none."""
        return self.effects[name] * (1 - self.dropout)


def simulate(design: Design, seed: int) -> list[Spell]:
    rng = np.random.default_rng(seed)
    n = design.pupils
    ability = rng.normal(0, math.sqrt(RELIABILITY), n)
    error = math.sqrt(1 - RELIABILITY)
    # scores[pupil, occasion] in points, before any provision.
    scores = (
        100
        + SD * (ability[:, None] + rng.normal(0, error, (n, len(OCCASIONS))))
        + design.growth * np.array(OCCASIONS)[None, :]
    )
    boost = np.zeros((n, len(OCCASIONS)))
    picked = np.zeros(n, dtype=bool)
    spells: dict[int, dict] = {}
    run_number = 0
    total = sum(design.sizes.get(name, (design.runs, 0))[0] for name in design.effects)
    forms = np.array_split(rng.permutation(n), total) if design.staggered else []
    form_of = np.zeros(n, dtype=int)
    for number, members in enumerate(forms):
        form_of[members] = number
    pairs_used: list[tuple[int, int]] = []
    for name, effect in design.effects.items():
        runs, size = design.sizes.get(name, (design.runs, design.run_size))
        for _ in range(runs):
            pair = (
                STAGGERED_PAIRS[run_number % len(STAGGERED_PAIRS)] if design.staggered else (0, 1)
            )
            run_number += 1
            pairs_used.append(pair)
            start, end = pair
            free = np.flatnonzero(~picked & ((form_of == run_number - 1) | (not design.staggered)))
            chosen = free[np.argsort(scores[free, start])[:size]]
            picked[chosen] = True
            shared = rng.normal(0, design.group_sd) * SD
            for pupil in chosen:
                stayed = rng.random() >= design.dropout
                boost[pupil, end] += shared + (effect * SD if stayed else 0.0)
                spells[int(pupil)] = {
                    "pair": pair,
                    "provisions": {name},
                    "group": ("run", run_number),
                }
    if design.overlap:
        # Some pupils of the last provision also took the first, between the same results.
        first, last = next(iter(design.effects)), list(design.effects)[-1]
        for pupil, spell in spells.items():
            if last in spell["provisions"] and rng.random() < design.overlap:
                spell["provisions"].add(first)
                stayed = rng.random() >= design.dropout
                boost[pupil, spell["pair"][1]] += design.effects[first] * SD if stayed else 0.0
    observed = scores + boost

    found = [
        Spell(
            pupil=pupil,
            entry=float(observed[pupil, spell["pair"][0]]),
            exit=float(observed[pupil, spell["pair"][1]]),
            months=OCCASIONS[spell["pair"][1]] - OCCASIONS[spell["pair"][0]],
            provisions=frozenset(spell["provisions"]),
            group=spell["group"],
            start=OCCASIONS[spell["pair"][0]],
        )
        for pupil, spell in spells.items()
    ]
    if design.comparison:
        occasions = sorted(set(pairs_used))
        for index, pupil in enumerate(np.flatnonzero(~picked)):
            start, end = (
                pairs_used[form_of[pupil]]
                if design.staggered
                else occasions[index % len(occasions)]
            )
            found.append(
                Spell(
                    pupil=int(pupil),
                    entry=float(observed[pupil, start]),
                    exit=float(observed[pupil, end]),
                    months=OCCASIONS[end] - OCCASIONS[start],
                    provisions=frozenset(),
                    group=("pupil", int(pupil)),
                    start=OCCASIONS[start],
                )
            )
    return found
