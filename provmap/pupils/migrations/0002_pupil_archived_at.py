from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pupils", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="pupil",
            name="archived_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
