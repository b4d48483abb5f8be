"""The kinds of provision a school's needs audit has as columns (Kent's appendix 2): the
defaults, made on first use with the catalogue entries that meet each, and the services that
add, rename, reorder, switch off a kind and set its catalogue entries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from provmap.planning.models import NeedKind
from provmap.planning.prefill import (
    ADAPTATION,
    AREA_KIND,
    COORDINATION,
    COUNSELLING,
    DEFAULT_KINDS,
    IN_CLASS,
    LANGUAGE,
    LITERACY,
    NUMERACY,
    OTHER,
    SEMH_GROUP,
    Kind,
)
from provmap.provision.models import Provision, ProvisionType
from provmap.pupils.needs import Area
from provmap.schools.models import School

NAME_LENGTH = 80

# Words in a catalogue entry's name that say which kind it meets, tried in this order (so
# "Emotional literacy support" is SEMH work, not literacy).
NAME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (COUNSELLING, ("counsel", "mentor")),
    (
        SEMH_GROUP,
        (
            "emotional",
            "elsa",
            "anger",
            "regulation",
            "social skill",
            "nurture",
            "lego",
            "behaviour",
            "haven",
            "wellbeing",
        ),
    ),
    (LANGUAGE, ("speech", "language", "vocabulary", "communication", "eal ")),
    (COORDINATION, ("motor", "handwriting", "occupational", "physio", "typing", "sensory circuit")),
    (NUMERACY, ("math", "numer", "number", "times table", "arithmetic")),
    (LITERACY, ("read", "phonic", "spell", "literacy", "dyslexi", "english", "writing")),
)

TYPE_KINDS: dict[str, str] = {
    ProvisionType.IN_CLASS: IN_CLASS,
    ProvisionType.CLASSROOM: ADAPTATION,
    ProvisionType.ACCESS: ADAPTATION,
    ProvisionType.MENTORING: COUNSELLING,
    ProvisionType.PASTORAL: SEMH_GROUP,
}


def default_key_for(name: str, provision_type: str, areas: Iterable[str]) -> str:
    """Which default kind a catalogue entry meets: by the words of its name, else its type,
    else its first area of need (in the order communication, cognition, SEMH, sensory),
    else other."""
    words = f" {name.lower()} "
    for key, found in NAME_WORDS:
        if any(word in words for word in found):
            return key
    if provision_type in TYPE_KINDS:
        return TYPE_KINDS[provision_type]
    for area in sorted(set(areas), key=lambda a: list(AREA_KIND).index(a) if a in AREA_KIND else 9):
        if area in AREA_KIND:
            return AREA_KIND[area]
    return OTHER


def plain_kinds(kinds: Sequence[NeedKind]) -> list[Kind]:
    return [Kind(kind.pk, kind.name, kind.area, kind.active) for kind in kinds]


def kinds_for(school: School) -> list[NeedKind]:
    """The school's kinds in their order (switched-off ones too); the defaults are made on
    first use, each with the catalogue entries that meet it."""
    kinds = list(NeedKind.objects.filter(school=school).order_by("position", "name"))
    if kinds:
        return kinds
    with transaction.atomic():
        made = {
            key: NeedKind.objects.create(school=school, name=name, area=area, position=index)
            for index, (key, (name, area)) in enumerate(DEFAULT_KINDS.items())
        }
        entries = Provision.objects.filter(school=school, active=True).prefetch_related("areas")
        links = []
        for entry in entries:
            key = default_key_for(
                entry.name, entry.provision_type, [area.area for area in entry.areas.all()]
            )
            links.append(
                NeedKind.provisions.through(needkind_id=made[key].pk, provision_id=entry.pk)
            )
        NeedKind.provisions.through.objects.bulk_create(links)
    return list(made.values())


def _clean_name(school: School, name: str, *, other_than: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the kind of provision a name.")
    if len(name) > NAME_LENGTH:
        raise ValidationError(f"Keep the name to {NAME_LENGTH} characters.")
    clash = NeedKind.objects.filter(school=school, name__iexact=name)
    if other_than is not None:
        clash = clash.exclude(pk=other_than)
    same = clash.first()
    if same is not None:
        raise ValidationError(f"There is already a column called {same.name}.")
    return name


def _clean_area(area: str) -> str:
    if area and area not in Area.values:
        raise ValidationError("Choose an area of need from the list.")
    return area


def kind_create(*, school: School, name: str, area: str = "") -> NeedKind:
    """A new column at the end of the audit."""
    kinds_for(school)
    name = _clean_name(school, name)
    area = _clean_area(area)
    last = NeedKind.objects.filter(school=school).order_by("-position").first()
    position = last.position + 1 if last else 0
    return NeedKind.objects.create(school=school, name=name, area=area, position=position)


def kind_update(*, kind: NeedKind, name: str, area: str, active: bool) -> NeedKind:
    """Rename a column, change its area, switch it off (its cells are kept but hidden and
    the pre-fill leaves it alone) or on again."""
    kind.name = _clean_name(kind.school, name, other_than=kind.pk)
    kind.area = _clean_area(area)
    kind.active = active
    kind.save(update_fields=["name", "area", "active"])
    return kind


def kind_move(*, kind: NeedKind, up: bool) -> None:
    """Move a column one place left (up) or right among the school's columns."""
    with transaction.atomic():
        kinds = list(
            NeedKind.objects.select_for_update()
            .filter(school_id=kind.school_id)
            .order_by("position", "name")
        )
        index = next(i for i, other in enumerate(kinds) if other.pk == kind.pk)
        swap = index - 1 if up else index + 1
        if not 0 <= swap < len(kinds):
            return
        kinds[index], kinds[swap] = kinds[swap], kinds[index]
        for position, other in enumerate(kinds):
            other.position = position
        NeedKind.objects.bulk_update(kinds, ["position"])


def kind_set_provisions(*, kind: NeedKind, provisions: Iterable[Provision]) -> None:
    """The catalogue entries that meet this kind (what the planner may propose for it)."""
    chosen = list(provisions)
    if any(entry.school_id != kind.school_id for entry in chosen):
        raise ValidationError("Choose catalogue entries of this school.")
    kind.provisions.set(chosen)
