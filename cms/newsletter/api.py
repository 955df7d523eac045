"""`POST /api/v2/newsletter/subscriptions/`: subscribe from a headless front end."""

from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.accounts.throttling import client_address

from . import services
from .forms import SubscriptionForm


class SubscriptionsView(APIView):
    """`{"email", "languages": [...], "topics": [translation_key, ...]}` → 202, pending."""

    # Anyone may subscribe, signed in or not, and double opt-in is the protection against
    # subscribing someone else: no session (hence no CSRF check) is involved.
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        form = SubscriptionForm(request.data)
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.subscribe(  # Throttled: a 429 (cms/api/exceptions.py)
            email=form.cleaned_data["email"],
            preferences=form.preferences(),
            language=translation.get_language(),
            address=client_address(request.META),
        )
        # The same answer for every address: nobody learns who is subscribed.
        message = _("Check your inbox: open the link we sent you to confirm your subscription.")
        return Response({"status": "pending", "message": message}, status=status.HTTP_202_ACCEPTED)


def newsletter_urlpatterns() -> list[URLPattern]:
    return [
        path(
            "newsletter/subscriptions/",
            SubscriptionsView.as_view(),
            name="newsletter_subscriptions",
        ),
    ]
