"""Bounds on what a school enters (decision 37): field validators, and check constraints
on the database. Rows already outside the bounds are named first, so that they are corrected
on purpose rather than the migration stopping at a bare integrity error."""

import datetime
import provmap.schools.bounds
from django.db import migrations, models

from provmap.schools.bounds import refuse_rows_outside


def refuse_rows_outside_the_bounds(apps, schema_editor):
    refuse_rows_outside(
        apps,
        "pupils",
        [
            (operation.model_name, operation.constraint)
            for operation in Migration.operations
            if isinstance(operation, migrations.AddConstraint)
        ],
    )


class Migration(migrations.Migration):

    dependencies = [
        ('pupils', '0002_pupil_archived_at'),
        ('schools', '0002_bounds_on_what_schools_enter'),
    ]

    operations = [
        migrations.RunPython(refuse_rows_outside_the_bounds, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='measure',
            name='max_value',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=9, null=True, validators=[provmap.schools.bounds.InBounds('highest_score')]),
        ),
        migrations.AlterField(
            model_name='measure',
            name='min_value',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=9, null=True, validators=[provmap.schools.bounds.InBounds('lowest_score')]),
        ),
        migrations.AlterField(
            model_name='pupil',
            name='date_of_birth',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('birth', 'The date of birth')]),
        ),
        migrations.AlterField(
            model_name='pupil',
            name='on_roll_from',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', 'The date the pupil joined')]),
        ),
        migrations.AlterField(
            model_name='pupil',
            name='on_roll_to',
            field=models.DateField(blank=True, help_text='Blank while on roll.', null=True, validators=[provmap.schools.bounds.InDates('school', 'The date the pupil left')]),
        ),
        migrations.AlterField(
            model_name='result',
            name='date',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', 'The date of the result')]),
        ),
        migrations.AlterField(
            model_name='result',
            name='value',
            field=models.DecimalField(decimal_places=2, max_digits=9, validators=[provmap.schools.bounds.InBounds('score')]),
        ),
        migrations.AlterField(
            model_name='senstatusperiod',
            name='end_date',
            field=models.DateField(blank=True, null=True, validators=[provmap.schools.bounds.InDates('school', 'The date the SEN status ended')]),
        ),
        migrations.AlterField(
            model_name='senstatusperiod',
            name='start_date',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', 'The date the SEN status started')]),
        ),
        migrations.AddConstraint(
            model_name='measure',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('min_value__isnull', True), models.Q(('min_value__gte', -100000), ('min_value__lte', 100000)), _connector='OR'), models.Q(('max_value__isnull', True), models.Q(('max_value__gte', -100000), ('max_value__lte', 100000)), _connector='OR')), name='measure_range_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='pupil',
            constraint=models.CheckConstraint(condition=models.Q(('date_of_birth__gte', datetime.date(1980, 1, 1)), ('date_of_birth__lte', datetime.date(2099, 12, 31)), ('on_roll_from__gte', datetime.date(2000, 1, 1)), ('on_roll_from__lte', datetime.date(2099, 12, 31)), models.Q(('on_roll_to__isnull', True), models.Q(('on_roll_to__gte', datetime.date(2000, 1, 1)), ('on_roll_to__lte', datetime.date(2099, 12, 31))), _connector='OR')), name='pupil_dates_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='pupilneed',
            constraint=models.CheckConstraint(condition=models.Q(('rank__lte', 13)), name='pupil_need_rank_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='result',
            constraint=models.CheckConstraint(condition=models.Q(('value__gte', -100000), ('value__lte', 100000), ('date__gte', datetime.date(2000, 1, 1)), ('date__lte', datetime.date(2099, 12, 31))), name='result_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='senstatusperiod',
            constraint=models.CheckConstraint(condition=models.Q(('start_date__gte', datetime.date(2000, 1, 1)), ('start_date__lte', datetime.date(2099, 12, 31)), models.Q(('end_date__isnull', True), models.Q(('end_date__gte', datetime.date(2000, 1, 1)), ('end_date__lte', datetime.date(2099, 12, 31))), _connector='OR')), name='sen_period_dates_in_bounds'),
        ),
    ]
