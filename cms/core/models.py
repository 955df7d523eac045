"""The home page and the taxonomies shared by news and videos (translatable snippets)."""

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index

from .portal_hooks import portal_hook


class HomePage(Page):
    introduction = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("A short text shown at the top of the home page."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("introduction"),
        InlinePanel(
            "featured_videos",
            heading=_("Featured videos"),
            label=_("Featured video"),
            max_num=4,
            help_text=_("Shown first on the home page; the latest videos follow."),
        ),
    ]
    api_fields = [APIField("introduction")]

    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context(request, *args, **kwargs),
            **portal_hook("home_context")(home=self),
        }


class HomePageFeaturedVideo(Orderable):
    """A video the press office puts forward on the home page; shown in the visitor's language
    when it is translated, and only while it is published."""

    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_videos")
    video = models.ForeignKey(
        "videos.Video", verbose_name=_("video"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("video")]

    class Meta(Orderable.Meta):
        verbose_name = _("featured video")
        verbose_name_plural = _("featured videos")


class Taxonomy(TranslatableMixin, index.Indexed, models.Model):
    """A term editors tag content with; each locale has its own translation of the term.

    Pages and videos point at one locale's instance; readers show `term.localized`, the
    instance in the active language, so a term is translated once for all content.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, allow_unicode=False)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta(TranslatableMixin.Meta):
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Topic(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            models.UniqueConstraint(fields=["slug", "locale"], name="unique_topic_slug_per_locale")
        ]


class Country(Taxonomy):
    """A country, partner or organisation the press office reports on (e.g. EU)."""

    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country")
        ORGANISATION = "organisation", _("Organisation")

    code = models.CharField(
        _("code"),
        max_length=8,
        blank=True,
        help_text=_("ISO 3166-1 alpha-2 code of a country, or a short code such as EU."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.COUNTRY)

    panels = [*Taxonomy.panels, FieldPanel("code"), FieldPanel("kind")]

    class Meta(Taxonomy.Meta):
        verbose_name = _("country or partner")
        verbose_name_plural = _("countries and partners")
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "locale"], name="unique_country_slug_per_locale"
            )
        ]


class Person(Taxonomy):
    role = models.CharField(
        _("role"), max_length=300, blank=True, help_text=_("e.g. NATO Secretary General")
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [*Taxonomy.panels, FieldPanel("role"), FieldPanel("photo")]

    class Meta(Taxonomy.Meta):
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "locale"], name="unique_person_slug_per_locale"
            )
        ]
