"""`ClipDownload` becomes `DownloadRecord`: it also records whole-file downloads. Renamed
in place, so the records are kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0004_library_page_kind_topics"),
    ]

    operations = [
        migrations.RenameModel(old_name="ClipDownload", new_name="DownloadRecord"),
        migrations.AlterModelOptions(
            name="downloadrecord",
            options={
                "ordering": ["-downloaded_at"],
                "verbose_name": "download record",
                "verbose_name_plural": "download records",
            },
        ),
    ]
