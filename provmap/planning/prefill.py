"""The needs audit's pre-fill: which cells each pupil gets, at what level and why, from what
the school already knows. Pure functions over plain data (no Django models), unit-tested alone.

The rules (docs/decisions.md, "The needs audit's pre-fill"):

1. SEN status and needs. A pupil with an EHC plan gets MUST for the kinds of their primary
   need (rank 1) and SHOULD for the kinds of their other current needs; a pupil on SEN
   support gets SHOULD for the kinds of each current need. Need types go to kinds as
   `NEED_KINDS` says (SLCN -> language, SPLD -> structured literacy, MLD -> structured
   literacy and numeracy, SEMH -> SEMH group work, PD -> coordination, sensory needs and
   SLD/PMLD -> curriculum adaptation, OTH/NSA -> other).
2. A result worse than the threshold on the chosen measure (below it when higher is better,
   above it otherwise) -> SHOULD for the kind the measure feeds (only when one is given).
3. Attendance under 90% (persistent absence) -> counselling COULD; under 50% (severe
   absence) -> counselling SHOULD.
4. Vulnerable groups: looked after or previously looked after, and young carers ->
   counselling COULD; at risk of exclusion -> SEMH group work SHOULD.
5. A target still open in an area of need -> that area's kind SHOULD (cognition and learning
   -> structured literacy, communication -> language, SEMH -> SEMH group work, sensory and
   physical -> coordination, other -> other).
6. A review decision on a provision the pupil is in now: "continue" -> the kinds that
   provision meets stay at the level the pupil had in the last audit (SHOULD if none);
   "change" -> SHOULD (the need remains, met another way); "stop" adds nothing.

When several rules give one cell a level, the highest wins (must, then should, then could)
and the reasons of every rule that applied are kept, highest first.

A default kind is found among the school's kinds by its default name (any case), and is
left out while switched off; when the school renamed or removed it, the first active kind of
the same area of need that is not another default takes its place (in the school's order);
when neither exists the rule is skipped and `skipped` says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

MUST = "must"
SHOULD = "should"
COULD = "could"
RANK = {MUST: 0, SHOULD: 1, COULD: 2}

# SEN status codes (pupils.models.SENStatus).
EHC_PLAN = "E"
SEN_SUPPORT = "K"

# The default kinds: key -> (name, area of need). The order is the audit's default columns.
LITERACY = "literacy"
NUMERACY = "numeracy"
LANGUAGE = "language"
COORDINATION = "coordination"
COUNSELLING = "counselling"
SEMH_GROUP = "semh_group"
IN_CLASS = "in_class"
ADAPTATION = "adaptation"
OTHER = "other"

DEFAULT_KINDS: dict[str, tuple[str, str]] = {
    LITERACY: ("Structured literacy", "CL"),
    NUMERACY: ("Numeracy", "CL"),
    LANGUAGE: ("Language (speech, language and communication)", "CI"),
    COORDINATION: ("Coordination (motor skills)", "SP"),
    COUNSELLING: ("Counselling", "SEMH"),
    SEMH_GROUP: ("SEMH group work", "SEMH"),
    IN_CLASS: ("In-class support", ""),
    ADAPTATION: ("Curriculum adaptation", ""),
    OTHER: ("Other", "OTH"),
}

NEED_KINDS: dict[str, tuple[str, ...]] = {
    "SLCN": (LANGUAGE,),
    "ASD": (LANGUAGE,),
    "SPLD": (LITERACY,),
    "MLD": (LITERACY, NUMERACY),
    "SLD": (ADAPTATION,),
    "PMLD": (ADAPTATION,),
    "SEMH": (SEMH_GROUP,),
    "HI": (ADAPTATION,),
    "VI": (ADAPTATION,),
    "MSI": (ADAPTATION,),
    "PD": (COORDINATION,),
    "OTH": (OTHER,),
    "NSA": (OTHER,),
}

NEED_NAMES: dict[str, str] = {
    "SLCN": "SLCN",
    "ASD": "autism",
    "SPLD": "SpLD",
    "MLD": "MLD",
    "SLD": "SLD",
    "PMLD": "PMLD",
    "SEMH": "SEMH",
    "HI": "hearing impairment",
    "VI": "visual impairment",
    "MSI": "multi-sensory impairment",
    "PD": "physical disability",
    "OTH": "other need",
    "NSA": "need not yet assessed",
}

AREA_KIND: dict[str, str] = {
    "CL": LITERACY,
    "CI": LANGUAGE,
    "SEMH": SEMH_GROUP,
    "SP": COORDINATION,
    "OTH": OTHER,
}

AREA_NAMES: dict[str, str] = {
    "CL": "cognition and learning",
    "CI": "communication and interaction",
    "SEMH": "SEMH",
    "SP": "sensory and physical",
    "OTH": "other",
}

PERSISTENT_ABSENCE = Decimal("90")
SEVERE_ABSENCE = Decimal("50")

# Vulnerable-group flags -> (kind, level, reason).
FLAG_RULES: dict[str, tuple[str, str, str]] = {
    "looked_after": (COUNSELLING, COULD, "Looked after"),
    "previously_looked_after": (COUNSELLING, COULD, "Previously looked after"),
    "young_carer": (COUNSELLING, COULD, "Young carer"),
    "at_risk_of_exclusion": (SEMH_GROUP, SHOULD, "At risk of exclusion"),
}

REASON_LENGTH = 300


@dataclass(frozen=True)
class Kind:
    """One of the school's audit columns."""

    id: int
    name: str
    area: str
    active: bool = True


@dataclass(frozen=True)
class Decision:
    """The last review decision on a provision the pupil is in now, and the kinds it meets."""

    provision: str
    decision: str  # continue, change or stop
    kind_ids: tuple[int, ...]


@dataclass(frozen=True)
class PupilFacts:
    pupil_id: int
    sen_status: str = ""
    # Current need types, primary (rank 1) first.
    needs: tuple[str, ...] = ()
    # The latest result on the chosen measure, and the latest attendance (%).
    result: Decimal | None = None
    attendance: Decimal | None = None
    flags: frozenset[str] = frozenset()
    decisions: tuple[Decision, ...] = ()
    # Areas of need of targets still open.
    target_areas: frozenset[str] = frozenset()
    # The level of each kind in the last audit (kind id -> level).
    last_levels: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MeasureRule:
    """Results worse than `threshold` on the measure -> SHOULD for `kind_id`."""

    name: str
    threshold: Decimal
    kind_id: int
    higher_is_better: bool = True


@dataclass(frozen=True)
class Suggestion:
    pupil_id: int
    kind_id: int
    level: str
    reason: str


@dataclass
class Prefill:
    suggestions: list[Suggestion]
    # Rules that found no kind to go to (a sentence each).
    skipped: list[str]


def find_kinds(kinds: Sequence[Kind]) -> dict[str, int]:
    """Each default key -> the school's kind id: the kind with the default name (any case),
    absent when that kind is switched off; when no kind has the name (the school renamed or
    removed it), the first active kind of the same area that is not another default's, in
    the order given. Keys with neither are absent."""
    by_name = {kind.name.strip().lower(): kind for kind in kinds}
    found: dict[str, int] = {}
    named: set[int] = set()
    for key, (name, _) in DEFAULT_KINDS.items():
        kind = by_name.get(name.lower())
        if kind is not None:
            named.add(kind.id)
            if kind.active:
                found[key] = kind.id
    for key, (name, area) in DEFAULT_KINDS.items():
        if name.lower() in by_name or not area:
            continue
        same_area = [k.id for k in kinds if k.active and k.area == area and k.id not in named]
        if same_area:
            found[key] = same_area[0]
    return found


def _worse(value: Decimal, rule: MeasureRule) -> bool:
    return value < rule.threshold if rule.higher_is_better else value > rule.threshold


def _percent(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return f"{text}%"


def pupil_cells(
    facts: PupilFacts, keys: Mapping[str, int], measure: MeasureRule | None = None
) -> tuple[dict[int, tuple[str, list[tuple[str, str]]]], set[str]]:
    """One pupil's cells: kind id -> (level, [(level, reason), ...]), and the default keys
    a rule wanted but the school has no kind for."""
    found: dict[int, list[tuple[str, str]]] = {}
    missing: set[str] = set()

    def add(key_or_id: str | int, level: str, reason: str) -> None:
        if isinstance(key_or_id, str):
            if key_or_id not in keys:
                missing.add(key_or_id)
                return
            kind_id = keys[key_or_id]
        else:
            kind_id = key_or_id
        found.setdefault(kind_id, []).append((level, reason))

    if facts.sen_status in (EHC_PLAN, SEN_SUPPORT):
        status = "EHC plan" if facts.sen_status == EHC_PLAN else "SEN support"
        for index, need in enumerate(facts.needs):
            primary = index == 0
            level = MUST if facts.sen_status == EHC_PLAN and primary else SHOULD
            which = "primary need" if primary else "need"
            for key in NEED_KINDS.get(need, (OTHER,)):
                add(key, level, f"{status}: {NEED_NAMES.get(need, need)} {which}")
    if measure is not None and facts.result is not None and _worse(facts.result, measure):
        side = "below" if measure.higher_is_better else "above"
        value, limit = facts.result.normalize(), measure.threshold.normalize()
        add(measure.kind_id, SHOULD, f"{measure.name} {value:f}, {side} {limit:f}")
    if facts.attendance is not None:
        if facts.attendance < SEVERE_ABSENCE:
            add(COUNSELLING, SHOULD, f"Attendance {_percent(facts.attendance)} (under 50%)")
        elif facts.attendance < PERSISTENT_ABSENCE:
            add(COUNSELLING, COULD, f"Attendance {_percent(facts.attendance)} (under 90%)")
    for flag in sorted(facts.flags):
        if flag in FLAG_RULES:
            key, level, reason = FLAG_RULES[flag]
            add(key, level, reason)
    for area in sorted(facts.target_areas):
        if area in AREA_KIND:
            add(AREA_KIND[area], SHOULD, f"Target open in {AREA_NAMES[area]}")
    for decision in facts.decisions:
        for kind_id in decision.kind_ids:
            if decision.decision == "continue":
                level = facts.last_levels.get(kind_id, SHOULD)
                add(kind_id, level, f"Review: continue {decision.provision}")
            elif decision.decision == "change":
                add(kind_id, SHOULD, f"Review: change {decision.provision}")
    cells: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    for kind_id, reasons in found.items():
        ordered = sorted(reasons, key=lambda item: RANK[item[0]])
        cells[kind_id] = (ordered[0][0], ordered)
    return cells, missing


def join_reasons(reasons: Iterable[tuple[str, str]]) -> str:
    """The reasons of one cell, each once, highest level first, cut to fit the column."""
    seen: list[str] = []
    for _, reason in reasons:
        if reason not in seen:
            seen.append(reason)
    text = "; ".join(seen)
    if len(text) > REASON_LENGTH:
        text = text[: REASON_LENGTH - 1].rstrip() + "…"
    return text


def prefill(
    pupils: Iterable[PupilFacts],
    kinds: Sequence[Kind],
    measure: MeasureRule | None = None,
) -> Prefill:
    """Every pupil's suggested cells, in the pupils' order then the kinds' order."""
    keys = find_kinds(kinds)
    active = {kind.id for kind in kinds if kind.active}
    order = {kind.id: index for index, kind in enumerate(kinds)}
    suggestions: list[Suggestion] = []
    missing: set[str] = set()
    for facts in pupils:
        cells, lacking = pupil_cells(facts, keys, measure)
        missing |= lacking
        for kind_id in sorted(cells, key=lambda k: order.get(k, len(order))):
            if kind_id not in active:
                continue
            level, reasons = cells[kind_id]
            suggestions.append(Suggestion(facts.pupil_id, kind_id, level, join_reasons(reasons)))
    skipped = [
        f"No column for {DEFAULT_KINDS[key][0].lower()}: those cells were left out."
        for key in DEFAULT_KINDS
        if key in missing
    ]
    return Prefill(suggestions, skipped)
