"""Training needs (Guidance Sheet 8's "identification of training needs"): the need areas of
the audit (its kinds and broad areas, with how many pupils must and should have provision)
set against staff expertise and against who delivers the term's runs of each. Plain data in,
plain results out: no models.

Expertise is what the school typed on each member of staff ("ELSA trained; emotional
literacy"): a kind or area matches when its own name, or one of the words known to mean it,
appears in the text as whole words, whatever the case. Hours: the weekly staff time the
pupils who must or should have provision would take in the kind's wave-2/3 catalogue entry
that takes the least staff time per pupil, against the contracted hours of the staff with
the expertise (external staff with no contracted hours count as none)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from provmap.formatting import counted

KIND = "kind"
AREA = "area"

# Words that mean a kind of provision, found in a kind's name (the key, a whole word of the
# name, lower case): expertise naming any of them counts for the kind.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "literacy": (
        "literacy",
        "reading",
        "phonics",
        "dyslexia",
        "spld",
        "spelling",
        "precision teaching",
    ),
    "reading": ("reading", "phonics", "dyslexia", "literacy", "precision teaching"),
    "numeracy": ("numeracy", "maths", "mathematics", "dyscalculia", "number"),
    "maths": ("numeracy", "maths", "mathematics", "dyscalculia"),
    "language": (
        "speech and language",
        "language",
        "slcn",
        "salt",
        "communication",
        "talk",
        "oracy",
    ),
    "speech": ("speech and language", "speech", "slcn", "salt"),
    "communication": ("communication", "social communication", "slcn", "autism", "makaton"),
    "coordination": (
        "coordination",
        "co-ordination",
        "motor",
        "fine motor",
        "gross motor",
        "handwriting",
        "dyspraxia",
        "dcd",
        "occupational",
        "sensory circuits",
    ),
    "counselling": ("counselling", "counsellor", "bacp", "therapeutic"),
    "semh": (
        "semh",
        "elsa",
        "emotional",
        "nurture",
        "zones of regulation",
        "anger management",
        "behaviour",
        "restorative",
        "mental health",
        "wellbeing",
        "mentoring",
    ),
    "mentoring": ("mentoring", "mentor", "check-in check-out"),
    "in-class": ("in-class support", "in class support", "set support", "class support"),
    "curriculum": (
        "curriculum adaptation",
        "adaptive teaching",
        "differentiation",
        "access arrangements",
    ),
    "sensory": ("sensory", "hearing", "visual", "vision", "braille", "bsl"),
    "hearing": ("hearing", "bsl", "deaf"),
    "vision": ("vision", "visual", "braille"),
    "eal": ("eal", "new arrivals"),
    "autism": ("autism", "autistic", "asd", "social communication"),
}

# Words that mean each broad area of need (census area codes).
AREA_WORDS: dict[str, tuple[str, ...]] = {
    "CI": (
        "communication and interaction",
        "speech and language",
        "speech",
        "language",
        "slcn",
        "salt",
        "communication",
        "autism",
        "autistic",
        "asd",
        "makaton",
        "lego-based therapy",
    ),
    "CL": (
        "cognition and learning",
        "literacy",
        "reading",
        "phonics",
        "dyslexia",
        "spld",
        "spelling",
        "precision teaching",
        "numeracy",
        "maths",
        "dyscalculia",
        "mld",
    ),
    "SEMH": (
        "social, emotional and mental health",
        "semh",
        "elsa",
        "emotional",
        "counselling",
        "nurture",
        "zones of regulation",
        "anger management",
        "behaviour",
        "restorative",
        "mental health",
        "wellbeing",
        "mentoring",
    ),
    "SP": (
        "sensory and/or physical",
        "sensory",
        "physical",
        "hearing",
        "visual",
        "vision",
        "braille",
        "bsl",
        "fine motor",
        "motor",
        "handwriting",
        "occupational",
        "manual handling",
        "personal care",
        "dyspraxia",
    ),
}


def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(term) + r"(?![a-z0-9])")


def kind_terms(name: str) -> tuple[str, ...]:
    """The words that mean a kind: its name, and those known for each word of it."""
    lowered = name.strip().lower()
    terms = [lowered] if lowered else []
    for word in re.split(r"[^a-z0-9-]+", lowered):
        for key in (word, word.split("-")[0]):
            for term in KIND_WORDS.get(key, ()):
                if term not in terms:
                    terms.append(term)
    return tuple(terms)


def area_terms(code: str, name: str) -> tuple[str, ...]:
    """The words that mean a broad area: its name and those known for it."""
    terms = [name.strip().lower()] if name.strip() else []
    return tuple(dict.fromkeys([*terms, *AREA_WORDS.get(code, ())]))


# Phrases whose words would mislead: "emotional literacy" is not literacy.
MISLEADING: dict[str, str] = {"emotional literacy": "emotional"}


def has_expertise(expertise: str, terms: Iterable[str]) -> bool:
    """Does the expertise text name one of the terms (whole words, any case)?"""
    text = " ".join(expertise.lower().split())
    for phrase, meaning in MISLEADING.items():
        text = text.replace(phrase, meaning)
    return any(term and _pattern(term).search(text) for term in terms)


@dataclass(frozen=True)
class Staff:
    """A member of staff: their expertise as typed and contracted hours a week (None when
    not known, as for visiting specialists)."""

    id: int
    name: str
    expertise: str
    hours: Decimal | None = None
    external: bool = False


@dataclass(frozen=True)
class Option:
    """A wave-2/3 catalogue entry meeting a need area: its usual ratio and weekly time."""

    provision: int
    staff: int
    pupils: int
    sessions: Decimal
    minutes: int

    def hours_for(self, pupils: int) -> Decimal:
        """Weekly staff hours to give `pupils` this provision in groups of its usual size."""
        if pupils <= 0:
            return Decimal(0)
        groups = math.ceil(pupils / max(self.pupils, 1))
        minutes = Decimal(groups * self.staff * self.minutes) * self.sessions
        return (minutes / 60).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class NeedArea:
    """A kind or a broad area of the audit: how many pupils must, should and could have
    provision of it, the catalogue's options for it and the staff delivering the term's
    runs meeting it."""

    scope: str  # KIND or AREA
    key: str
    name: str
    must: int
    should: int
    could: int = 0
    area: str = ""  # a kind's broad area code; an area's own code
    options: tuple[Option, ...] = ()
    deliverers: frozenset[int] = frozenset()


NO_EXPERTISE = "none"
TOO_FEW_HOURS = "too_few_hours"
UNTRAINED_DELIVERERS = "untrained_deliverers"
COVERED = "covered"


@dataclass(frozen=True)
class Finding:
    """A need area against the staff: who has the expertise and their hours, the hours the
    must and should pupils would need, who delivers its runs without the expertise."""

    area: NeedArea
    experts: tuple[Staff, ...]
    expert_hours: Decimal
    hours_needed: Decimal | None
    untrained: tuple[Staff, ...] = field(default=())

    @property
    def status(self) -> str:
        if not self.experts:
            return NO_EXPERTISE
        if self.hours_needed is not None and self.expert_hours < self.hours_needed:
            return TOO_FEW_HOURS
        if self.untrained:
            return UNTRAINED_DELIVERERS
        return COVERED

    @property
    def lacking(self) -> bool:
        """Too few people or hours with the expertise for the need."""
        return self.status in (NO_EXPERTISE, TOO_FEW_HOURS) and (
            self.area.must + self.area.should > 0
        )

    @property
    def sentence(self) -> str:
        """ "Speech and language: 14 pupils must, 0 staff with expertise"."""
        if self.area.must:
            parts = [f"{counted(self.area.must, 'pupil')} must"]
            if self.area.should:
                parts.append(f"{self.area.should} should")
        else:
            parts = [f"{counted(self.area.should, 'pupil')} should"]
        staff = "staff" if len(self.experts) != 1 else "member of staff"
        text = f"{self.area.name}: {', '.join(parts)}, {len(self.experts)} {staff} with expertise"
        if self.status == TOO_FEW_HOURS and self.hours_needed is not None:
            text += (
                f" ({_hours(self.expert_hours)} hours a week against about "
                f"{_hours(self.hours_needed)} needed)"
            )
        return text


def _hours(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.1'))}"
    return text[:-2] if text.endswith(".0") else text


def terms_for(area: NeedArea, area_names: Mapping[str, str]) -> tuple[str, ...]:
    """The words that mean a need area (a kind: its own; an area: the area's)."""
    if area.scope == KIND:
        return kind_terms(area.name)
    return area_terms(area.key, area_names.get(area.key, area.name))


def hours_needed(area: NeedArea) -> Decimal | None:
    """Weekly staff hours to give the must and should pupils the option taking the least
    staff time per pupil (None when the catalogue has no option)."""
    if not area.options:
        return None
    pupils = area.must + area.should
    return min(option.hours_for(pupils) for option in area.options)


def findings(
    areas: Sequence[NeedArea], staff: Sequence[Staff], area_names: Mapping[str, str]
) -> list[Finding]:
    """Each need area with the staff who have the expertise for it, their hours, the hours
    needed and the deliverers of its runs without it; lacking ones first (most pupils who
    must first), then the rest in the order given."""
    by_id = {member.id: member for member in staff}
    found = []
    for area in areas:
        terms = terms_for(area, area_names)
        experts = tuple(member for member in staff if has_expertise(member.expertise, terms))
        expert_ids = {member.id for member in experts}
        hours = sum((member.hours or Decimal(0) for member in experts), Decimal(0))
        untrained = tuple(
            sorted(
                (by_id[pk] for pk in area.deliverers if pk in by_id and pk not in expert_ids),
                key=lambda member: member.name,
            )
        )
        found.append(Finding(area, experts, hours, hours_needed(area), untrained))
    order = {id(item): index for index, item in enumerate(found)}
    return sorted(
        found,
        key=lambda item: (
            not item.lacking,
            -(item.area.must if item.lacking else 0),
            order[id(item)],
        ),
    )
