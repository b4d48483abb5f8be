"""Bounds on what a school enters (decision 37): field validators, and check constraints
on the database. Rows already outside the bounds are named first, so that they are corrected
on purpose rather than the migration stopping at a bare integrity error."""

import datetime
import provmap.schools.bounds
from decimal import Decimal
from django.db import migrations, models

from provmap.schools.bounds import refuse_rows_outside


def refuse_rows_outside_the_bounds(apps, schema_editor):
    refuse_rows_outside(
        apps,
        "provision",
        [
            (operation.model_name, operation.constraint)
            for operation in Migration.operations
            if isinstance(operation, migrations.AddConstraint)
        ],
    )


class Migration(migrations.Migration):

    dependencies = [
        ('provision', '0001_initial'),
        ('pupils', '0003_bounds_on_what_schools_enter'),
        ('schools', '0002_bounds_on_what_schools_enter'),
    ]

    operations = [
        migrations.RunPython(refuse_rows_outside_the_bounds, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='generalresource',
            name='fixed_cost',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, validators=[provmap.schools.bounds.InBounds('fixed_cost')]),
        ),
        migrations.AlterField(
            model_name='generalresource',
            name='hours_per_week',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, validators=[provmap.schools.bounds.InBounds('hours_a_week')]),
        ),
        migrations.AlterField(
            model_name='generalresource',
            name='weeks',
            field=models.DecimalField(blank=True, decimal_places=1, max_digits=4, null=True, validators=[provmap.schools.bounds.InBounds('run_weeks')]),
        ),
        migrations.AlterField(
            model_name='placement',
            name='end_date',
            field=models.DateField(blank=True, help_text='Blank: to the end of the run.', null=True, validators=[provmap.schools.bounds.InDates('school', "The placement's end date")]),
        ),
        migrations.AlterField(
            model_name='placement',
            name='start_date',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', "The placement's start date")]),
        ),
        migrations.AlterField(
            model_name='provision',
            name='default_pupils',
            field=models.PositiveSmallIntegerField(default=1, validators=[provmap.schools.bounds.InBounds('pupils_in_ratio')], verbose_name='pupils in the usual ratio'),
        ),
        migrations.AlterField(
            model_name='provision',
            name='default_staff',
            field=models.PositiveSmallIntegerField(default=1, validators=[provmap.schools.bounds.InBounds('staff_in_ratio')], verbose_name='staff in the usual ratio'),
        ),
        migrations.AlterField(
            model_name='provision',
            name='evidence_months',
            field=models.SmallIntegerField(blank=True, help_text='Expected months of additional progress.', null=True, validators=[provmap.schools.bounds.InBounds('evidence_months')]),
        ),
        migrations.AlterField(
            model_name='provision',
            name='minutes_per_session',
            field=models.PositiveSmallIntegerField(default=30, validators=[provmap.schools.bounds.InBounds('minutes_per_session')]),
        ),
        migrations.AlterField(
            model_name='provision',
            name='sessions_per_week',
            field=models.DecimalField(decimal_places=1, default=Decimal('1'), max_digits=4, validators=[provmap.schools.bounds.InBounds('sessions_per_week')]),
        ),
        migrations.AlterField(
            model_name='provision',
            name='success_gain',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=7, null=True, validators=[provmap.schools.bounds.InBounds('success_gain')]),
        ),
        migrations.AlterField(
            model_name='provision',
            name='usual_weeks',
            field=models.PositiveSmallIntegerField(default=10, validators=[provmap.schools.bounds.InBounds('usual_weeks')], verbose_name='usual length in weeks'),
        ),
        migrations.AlterField(
            model_name='provisionrun',
            name='end_date',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', "The run's end date")]),
        ),
        migrations.AlterField(
            model_name='provisionrun',
            name='minutes_per_session',
            field=models.PositiveSmallIntegerField(validators=[provmap.schools.bounds.InBounds('minutes_per_session')]),
        ),
        migrations.AlterField(
            model_name='provisionrun',
            name='sessions_per_week',
            field=models.DecimalField(decimal_places=1, max_digits=4, validators=[provmap.schools.bounds.InBounds('sessions_per_week')]),
        ),
        migrations.AlterField(
            model_name='provisionrun',
            name='start_date',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', "The run's start date")]),
        ),
        migrations.AlterField(
            model_name='provisionrun',
            name='weeks',
            field=models.DecimalField(decimal_places=1, max_digits=4, validators=[provmap.schools.bounds.InBounds('run_weeks')]),
        ),
        migrations.AlterField(
            model_name='runstaff',
            name='minutes_per_session',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[provmap.schools.bounds.InBounds('minutes_per_session')]),
        ),
        migrations.AlterField(
            model_name='runstaff',
            name='sessions_per_week',
            field=models.DecimalField(blank=True, decimal_places=1, max_digits=4, null=True, validators=[provmap.schools.bounds.InBounds('sessions_per_week')]),
        ),
        migrations.AddConstraint(
            model_name='generalresource',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('hours_per_week__isnull', True), models.Q(('hours_per_week__gte', Decimal('0.5')), ('hours_per_week__lte', 60)), _connector='OR'), models.Q(('weeks__isnull', True), models.Q(('weeks__gte', Decimal('0.1')), ('weeks__lte', 52)), _connector='OR'), models.Q(('fixed_cost__isnull', True), models.Q(('fixed_cost__gte', 0), ('fixed_cost__lte', 1000000)), _connector='OR')), name='general_resource_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.CheckConstraint(condition=models.Q(('start_date__gte', datetime.date(2000, 1, 1)), ('start_date__lte', datetime.date(2099, 12, 31)), models.Q(('end_date__isnull', True), models.Q(('end_date__gte', datetime.date(2000, 1, 1)), ('end_date__lte', datetime.date(2099, 12, 31))), _connector='OR')), name='placement_dates_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='provision',
            constraint=models.CheckConstraint(condition=models.Q(('default_staff__gte', 1), ('default_staff__lte', 10), ('default_pupils__gte', 1), ('default_pupils__lte', 40)), name='provision_ratio_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='provision',
            constraint=models.CheckConstraint(condition=models.Q(('sessions_per_week__gte', Decimal('0.1')), ('sessions_per_week__lte', 25), ('minutes_per_session__gte', 1), ('minutes_per_session__lte', 480), ('usual_weeks__gte', 1), ('usual_weeks__lte', 52)), name='provision_time_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='provision',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('success_gain__isnull', True), models.Q(('success_gain__gte', -10000), ('success_gain__lte', 10000)), _connector='OR'), models.Q(('evidence_months__isnull', True), models.Q(('evidence_months__gte', -12), ('evidence_months__lte', 12)), _connector='OR')), name='provision_evidence_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='provisionrun',
            constraint=models.CheckConstraint(condition=models.Q(('sessions_per_week__gte', Decimal('0.1')), ('sessions_per_week__lte', 25), ('minutes_per_session__gte', 1), ('minutes_per_session__lte', 480), ('weeks__gte', Decimal('0.1')), ('weeks__lte', 52)), name='run_time_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='provisionrun',
            constraint=models.CheckConstraint(condition=models.Q(('start_date__gte', datetime.date(2000, 1, 1)), ('start_date__lte', datetime.date(2099, 12, 31)), ('end_date__gte', datetime.date(2000, 1, 1)), ('end_date__lte', datetime.date(2099, 12, 31))), name='run_dates_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='runstaff',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('sessions_per_week__isnull', True), models.Q(('sessions_per_week__gte', Decimal('0.1')), ('sessions_per_week__lte', 25)), _connector='OR'), models.Q(('minutes_per_session__isnull', True), models.Q(('minutes_per_session__gte', 1), ('minutes_per_session__lte', 480)), _connector='OR')), name='run_staff_time_in_bounds'),
        ),
    ]
