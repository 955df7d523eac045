"""The subscriptions in the Wagtail admin: listed, inspected, and their status changed.

Nobody adds a subscription there: an address joins only through its own confirmation link.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import Subscription


class NoAddPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user: Any, action: str) -> bool:
        return action != "add" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(Subscription, NoAddPermissionPolicy(Subscription))


class SubscriptionViewSet(ModelViewSet):
    model = Subscription
    icon = "mail"
    menu_label = _("Newsletter")
    menu_order = 900
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["email", "status", "language", "created_at", "confirmed_at"]
    list_filter = ["status", "language"]
    search_fields = ["email"]
    # Preferences are the subscriber's own; staff may only end a subscription on request.
    form_fields = ["status"]


@hooks.register("register_admin_viewset")
def register_subscription_viewset() -> ModelViewSet:
    return SubscriptionViewSet("newsletter_subscriptions")
