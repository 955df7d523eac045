"""Reset codes are kept per address, with or without an account (reset.py)."""

import django.db.models.deletion
from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models.functions import Lower


def address_of_each_code(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    PasswordResetCode = apps.get_model("accounts", "PasswordResetCode")
    User = apps.get_model("accounts", "User")
    address = User.objects.filter(pk=models.OuterRef("user_id")).values(lower=Lower("email"))
    PasswordResetCode.objects.update(email=models.Subquery(address[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_media_accounts_reset_codes_attempts"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="passwordresetcode",
            name="accounts_pa_user_id_f243e1_idx",
        ),
        migrations.AddField(
            model_name="passwordresetcode",
            name="email",
            field=models.CharField(default="", max_length=254),
            preserve_default=False,
        ),
        migrations.RunPython(address_of_each_code, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="passwordresetcode",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="password_reset_codes",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="passwordresetcode",
            index=models.Index(
                fields=["email", "-created_at"], name="accounts_pa_email_35fb09_idx"
            ),
        ),
    ]
