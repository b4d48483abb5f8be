"""Each existing measure's kind, guessed once from its name and scale (as the impact pages
used to guess it on every page); from now on the kind is set when a measure is made."""

from django.db import migrations

# A copy of provmap.pupils.measure_kinds.guess_kind as it was when this migration was
# written, so that later changes to the rule do not change what the migration did.
_BY_NAME = (
    ("attendance", ("attend", "absence")),
    ("behaviour", ("behav", "exclusion", "incident", "detention")),
    ("wellbeing", ("sdq", "wellbeing", "well-being", "boxall", "anxiety", "emotional", "mood")),
    (
        "attainment",
        ("reading", "spelling", "maths", "math", "writing", "phonics", "vocab", "comprehension"),
    ),
)


def _guess(name, scale):
    lowered = name.lower()
    for kind, words in _BY_NAME:
        if any(word in lowered for word in words):
            return kind
    return "attainment" if scale in ("standardised", "grade", "age_months") else "other"


def guess_kinds(apps, schema_editor):
    Measure = apps.get_model("pupils", "Measure")
    changed = []
    for measure in Measure._base_manager.all():
        measure.kind = _guess(measure.name, measure.scale)
        changed.append(measure)
    Measure._base_manager.bulk_update(changed, ["kind"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("pupils", "0005_measure_kind")]

    operations = [migrations.RunPython(guess_kinds, migrations.RunPython.noop)]
