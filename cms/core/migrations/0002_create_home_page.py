"""Replace Wagtail's placeholder welcome page with our HomePage as the default site root."""

import uuid

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def create_home_page(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    content_type_model = apps.get_model("contenttypes", "ContentType")
    page_model = apps.get_model("wagtailcore", "Page")
    site_model = apps.get_model("wagtailcore", "Site")
    locale_model = apps.get_model("wagtailcore", "Locale")
    home_page_model = apps.get_model("core", "HomePage")

    # wagtailcore's initial data made a plain Page at depth 2; its Site cascades with it.
    placeholder_type = content_type_model.objects.get(app_label="wagtailcore", model="page")
    page_model.objects.filter(content_type=placeholder_type, depth=2, slug="home").delete()
    if home_page_model.objects.exists():
        return

    home_type, _created = content_type_model.objects.get_or_create(
        app_label="core", model="homepage"
    )
    root = page_model.objects.get(depth=1)
    # Tree paths are built by hand because migrations see historical models without
    # treebeard's methods; 0001 is the first child of the root.
    home = home_page_model.objects.create(
        title="Newsroom",
        draft_title="Newsroom",
        slug="home",
        content_type=home_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale_model.objects.order_by("pk").first(),
        translation_key=uuid.uuid4(),
        live=True,
    )
    root.numchild = page_model.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    site_model.objects.create(hostname="localhost", root_page=home, is_default_site=True)


def remove_home_page(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("core", "HomePage").objects.filter(depth=2, slug="home").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("wagtailcore", "0054_initial_locale"),
    ]

    operations = [migrations.RunPython(create_home_page, remove_home_page)]
