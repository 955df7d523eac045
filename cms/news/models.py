"""News: the index that lists articles, and the article page itself."""

from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.images.api.fields import ImageRenditionField
from wagtail.models import Page
from wagtail.search import index

from cms.core.api_fields import TaxonomyTermsField
from cms.core.blocks import BodyBlock
from cms.core.embargo import EmbargoMixin
from cms.core.portal_hooks import portal_hook


class NewsIndexPage(RoutablePageMixin, Page):
    """The news listing of one language, with its filters, and its Atom feeds."""

    introduction = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    api_fields = [APIField("introduction")]

    parent_page_types = ["core.HomePage"]
    subpage_types = ["news.NewsPage"]

    class Meta:
        verbose_name = _("news index")
        verbose_name_plural = _("news indexes")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context(request, *args, **kwargs),
            **portal_hook("news_listing_context")(request, index=self),
        }

    @path("feed/")
    def feed(self, request: HttpRequest) -> HttpResponse:
        return portal_hook("news_feed")(request, index=self)

    @path("feed/topics/<str:topic>/")
    def topic_feed(self, request: HttpRequest, topic: str) -> HttpResponse:
        return portal_hook("news_feed")(request, index=self, topic_slug=topic)


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "news.NewsPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class NewsPage(EmbargoMixin, Page):
    standfirst = models.TextField(
        _("standfirst"), help_text=_("The opening summary shown under the title and in listings.")
    )
    publication_date = models.DateField(_("publication date"), default=timezone.localdate)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_caption = models.CharField(_("hero image caption"), max_length=300, blank=True)
    hero_credit = models.CharField(_("hero image credit"), max_length=200, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)
    tags = ClusterTaggableManager(through=NewsPageTag, blank=True, verbose_name=_("tags"))
    countries = ParentalManyToManyField(
        "core.Country", blank=True, related_name="+", verbose_name=_("countries and partners")
    )
    people = ParentalManyToManyField(
        "core.Person", blank=True, related_name="+", verbose_name=_("people")
    )
    topics = ParentalManyToManyField(
        "core.Topic", blank=True, related_name="+", verbose_name=_("topics")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("standfirst"),
        FieldRowPanel([FieldPanel("publication_date"), FieldPanel("embargo_until")]),
        MultiFieldPanel(
            [FieldPanel("hero_image"), FieldPanel("hero_caption"), FieldPanel("hero_credit")],
            heading=_("Hero image"),
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("topics"),
                FieldPanel("countries"),
                FieldPanel("people"),
                FieldPanel("tags"),
            ],
            heading=_("Classification"),
        ),
    ]

    # The `pages/<id>/` API fields (cms/api); taxonomy terms come in the page's language.
    api_fields = [
        APIField("standfirst"),
        APIField("publication_date"),
        APIField("embargo_until"),
        APIField("hero_image", serializer=ImageRenditionField("fill-1600x900")),
        APIField("hero_caption"),
        APIField("hero_credit"),
        APIField("body"),
        APIField("tags"),
        APIField("topics", serializer=TaxonomyTermsField()),
        APIField("countries", serializer=TaxonomyTermsField(extra_fields=("code", "kind"))),
        APIField("people", serializer=TaxonomyTermsField(extra_fields=("role",))),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("standfirst", boost=2),
        index.SearchField("body"),
        index.FilterField("publication_date"),
    ]

    parent_page_types = ["news.NewsIndexPage"]
    subpage_types: list[str] = []

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context(request, *args, **kwargs),
            **portal_hook("news_page_context")(request, page=self),
        }

    class Meta:
        verbose_name = _("news page")
        verbose_name_plural = _("news pages")
