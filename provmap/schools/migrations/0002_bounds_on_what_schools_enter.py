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
        "schools",
        [
            (operation.model_name, operation.constraint)
            for operation in Migration.operations
            if isinstance(operation, migrations.AddConstraint)
        ],
    )


class Migration(migrations.Migration):

    dependencies = [
        ('schools', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(refuse_rows_outside_the_bounds, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='academicyear',
            name='end_date',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', 'The last day of the school year')]),
        ),
        migrations.AlterField(
            model_name='academicyear',
            name='start_date',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', 'The first day of the school year')]),
        ),
        migrations.AlterField(
            model_name='academicyear',
            name='weeks',
            field=models.DecimalField(decimal_places=1, default=Decimal('38'), max_digits=4, validators=[provmap.schools.bounds.InBounds('year_weeks')]),
        ),
        migrations.AlterField(
            model_name='fundingbudget',
            name='amount',
            field=models.DecimalField(decimal_places=2, max_digits=10, validators=[provmap.schools.bounds.InBounds('budget')]),
        ),
        migrations.AlterField(
            model_name='rolerate',
            name='hourly_rate',
            field=models.DecimalField(decimal_places=2, max_digits=7, validators=[provmap.schools.bounds.InBounds('hourly_rate')]),
        ),
        migrations.AlterField(
            model_name='staffmember',
            name='contracted_hours',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, validators=[provmap.schools.bounds.InBounds('contracted_hours')], verbose_name='contracted hours per week'),
        ),
        migrations.AlterField(
            model_name='staffmember',
            name='hourly_rate',
            field=models.DecimalField(blank=True, decimal_places=2, help_text="Leave blank to use the school's rate for the role.", max_digits=7, null=True, validators=[provmap.schools.bounds.InBounds('hourly_rate')]),
        ),
        migrations.AlterField(
            model_name='term',
            name='end_date',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', "The term's last day")]),
        ),
        migrations.AlterField(
            model_name='term',
            name='number',
            field=models.PositiveSmallIntegerField(help_text='1 for the first term of the year.', validators=[provmap.schools.bounds.InBounds('term_number')]),
        ),
        migrations.AlterField(
            model_name='term',
            name='start_date',
            field=models.DateField(validators=[provmap.schools.bounds.InDates('school', "The term's first day")]),
        ),
        migrations.AlterField(
            model_name='term',
            name='weeks',
            field=models.DecimalField(decimal_places=1, help_text='Teaching weeks in the term.', max_digits=4, validators=[provmap.schools.bounds.InBounds('term_weeks')]),
        ),
        migrations.AddConstraint(
            model_name='academicyear',
            constraint=models.CheckConstraint(condition=models.Q(('weeks__gte', 1), ('weeks__lte', 52)), name='academic_year_weeks_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='academicyear',
            constraint=models.CheckConstraint(condition=models.Q(('start_date__gte', datetime.date(2000, 1, 1)), ('start_date__lte', datetime.date(2099, 12, 31)), ('end_date__gte', datetime.date(2000, 1, 1)), ('end_date__lte', datetime.date(2099, 12, 31))), name='academic_year_dates_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='fundingbudget',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0), ('amount__lte', 20000000)), name='funding_budget_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='rolerate',
            constraint=models.CheckConstraint(condition=models.Q(('hourly_rate__gte', 0), ('hourly_rate__lte', 500)), name='role_rate_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='staffmember',
            constraint=models.CheckConstraint(condition=models.Q(('hourly_rate__isnull', True), models.Q(('hourly_rate__gte', 0), ('hourly_rate__lte', 500)), _connector='OR'), name='staff_rate_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='staffmember',
            constraint=models.CheckConstraint(condition=models.Q(('contracted_hours__isnull', True), models.Q(('contracted_hours__gte', Decimal('0.5')), ('contracted_hours__lte', 60)), _connector='OR'), name='staff_contracted_hours_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='term',
            constraint=models.CheckConstraint(condition=models.Q(('number__gte', 1), ('number__lte', 6)), name='term_number_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='term',
            constraint=models.CheckConstraint(condition=models.Q(('weeks__gte', 1), ('weeks__lte', 26)), name='term_weeks_in_bounds'),
        ),
        migrations.AddConstraint(
            model_name='term',
            constraint=models.CheckConstraint(condition=models.Q(('start_date__gte', datetime.date(2000, 1, 1)), ('start_date__lte', datetime.date(2099, 12, 31)), ('end_date__gte', datetime.date(2000, 1, 1)), ('end_date__lte', datetime.date(2099, 12, 31))), name='term_dates_in_bounds'),
        ),
    ]
