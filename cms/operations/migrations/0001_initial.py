from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="PipelinePart",
            fields=[
                (
                    "name",
                    models.CharField(
                        max_length=255, primary_key=True, serialize=False, verbose_name="name"
                    ),
                ),
            ],
            options={
                "verbose_name": "pipeline",
                "permissions": [
                    ("view_pipeline", "Can view the pipeline dashboard"),
                    (
                        "operate_pipeline",
                        "Can requeue dead letters, process videos again and fix the search index",
                    ),
                ],
                "default_permissions": (),
            },
        ),
    ]
