"""Catalogue entries carry a version, as placements do (decision 25), so that two people
editing one entry cannot overwrite each other."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('provision', '0002_bounds_on_what_schools_enter'),
    ]

    operations = [
        migrations.AddField(
            model_name='provision',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
    ]
