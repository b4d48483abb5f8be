"""Writes of the interchange app itself: the column mappings schools confirm."""

from __future__ import annotations

from collections.abc import Mapping

from provmap.interchange.models import ColumnMapping
from provmap.schools.models import School


def column_mapping_for(school: School | None, kind: str) -> dict[str, str]:
    """The headings a school confirmed for this kind of import ({} if none yet)."""
    if school is None or school.pk is None:
        return {}
    mapping = ColumnMapping.objects.filter(school=school, kind=kind).first()
    return dict(mapping.headings) if mapping else {}


def column_mapping_remember(
    *, school: School, kind: str, headings: Mapping[str, str]
) -> ColumnMapping:
    """Remember confirmed headings (normalised heading -> field, "" to ignore), merged with
    those remembered before; a heading confirmed now replaces its earlier choice."""
    mapping, _ = ColumnMapping.objects.get_or_create(school=school, kind=kind)
    merged = {**mapping.headings, **headings}
    if merged != mapping.headings:
        mapping.headings = merged
        mapping.save(update_fields=["headings", "updated_at"])
    return mapping
