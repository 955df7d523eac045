"""`manage.py create_demo_admin`: a superuser for the demo, with a freshly printed password."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from cms.accounts.services import demo_admin_reset


class Command(BaseCommand):
    help = "Create the demo superuser (or reset its password) and print the credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@example.org")

    def handle(self, *args: Any, username: str, email: str, **options: Any) -> None:
        password = demo_admin_reset(username=username, email=email)
        self.stdout.write(
            self.style.SUCCESS(
                _("Wagtail admin login: username %(username)s, password %(password)s")
                % {"username": username, "password": password}
            )
        )
