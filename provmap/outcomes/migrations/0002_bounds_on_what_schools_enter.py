"""Bounds on what a school enters (decision 37): field validators, and check constraints
on the database. Rows already outside the bounds are named first, so that they are corrected
on purpose rather than the migration stopping at a bare integrity error."""

import datetime
import provmap.schools.bounds
from django.conf import settings
from django.db import migrations, models

from provmap.schools.bounds import refuse_rows_outside


def refuse_rows_outside_the_bounds(apps, schema_editor):
    refuse_rows_outside(
        apps,
        "outcomes",
        [
            (operation.model_name, operation.constraint)
            for operation in Migration.operations
            if isinstance(operation, migrations.AddConstraint)
        ],
    )


class Migration(migrations.Migration):

    dependencies = [
        ('outcomes', '0001_initial'),
        ('provision', '0002_bounds_on_what_schools_enter'),
        ('schools', '0002_bounds_on_what_schools_enter'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(refuse_rows_outside_the_bounds, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='reviewdecision',
            name='decided_on',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', 'The date of the decision')]),
        ),
        migrations.AddConstraint(
            model_name='reviewdecision',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('months__isnull', True), models.Q(('months__gte', -12), ('months__lte', 12)), _connector='OR'), models.Q(('cost_per_pupil__isnull', True), ('cost_per_pupil__gte', 0), _connector='OR'), ('decided_on__gte', datetime.date(2000, 1, 1)), ('decided_on__lte', datetime.date(2099, 12, 31))), name='review_decision_figures_in_bounds'),
        ),
    ]
