"""The newsletter's HTML pages: subscribe, check your inbox, confirmed, unsubscribe."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cms.accounts.exceptions import Throttled
from cms.accounts.throttling import client_address

from . import services
from .forms import SubscriptionForm


@require_http_methods(["GET", "POST"])
def subscribe_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
    else:  # from the sign-up box of other pages (a GET form: those pages are cached)
        email = request.GET.get("email", "")[:254]
        form = SubscriptionForm(
            initial={"email": email, "languages": [translation.get_language()]}
        )
    if form.is_bound and form.is_valid():
        try:
            services.subscribe(
                email=form.cleaned_data["email"],
                preferences=form.preferences(),
                language=translation.get_language(),
                address=client_address(request.META),
            )
        except Throttled as refusal:
            form.add_error(None, refusal.message)
            return render(request, "newsletter/subscribe.html", {"form": form}, status=429)
        # The same redirect for every address: the page tells nobody who is subscribed.
        return HttpResponseRedirect(reverse("newsletter:check_inbox"))
    status = 400 if form.errors else 200
    return render(request, "newsletter/subscribe.html", {"form": form}, status=status)


@require_GET
def check_inbox_view(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/check_inbox.html")


@require_GET
def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = services.confirm(token=token)
    except services.InvalidToken:
        return render(request, "newsletter/invalid_link.html", status=400)
    return render(request, "newsletter/confirmed.html", {"subscription": subscription})


# One-click unsubscribe (RFC 8058): the mail client POSTs to the List-Unsubscribe URL with no
# cookie and no CSRF token; the signed token in the URL is the authorisation, and the only
# thing a forged request can do is unsubscribe the token's own subscriber.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            services.unsubscribe(token=token)
            return render(request, "newsletter/unsubscribed.html")
        subscription = services.subscription_from_unsubscribe_token(token)
    except services.InvalidToken:
        return render(request, "newsletter/invalid_link.html", status=400)
    # GET never unsubscribes: link scanners in mail systems open every URL they see.
    return render(request, "newsletter/unsubscribe.html", {"subscription": subscription})
