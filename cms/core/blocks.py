"""StreamField blocks shared by the portal's page types."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from cms.videos.player import embedded_video

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("text"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("level"),
        choices=[("h2", _("Heading 2")), ("h3", _("Heading 3"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "core/blocks/heading.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("quotation"))
    attribution = blocks.CharBlock(label=_("attribution"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "core/blocks/quote.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=300)
    credit = blocks.CharBlock(label=_("credit"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "core/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    """A video in an article: played in the reader's language when it is translated, and
    only while it is published and ready (otherwise the block shows nothing)."""

    video = SnippetChooserBlock("videos.Video", label=_("video"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=300)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "core/blocks/video.html"

    def get_context(self, value: Any, parent_context: dict | None = None) -> dict:
        context = super().get_context(value, parent_context)
        context.update(embedded_video(value["video"]))
        return context


class RelatedLinkBlock(blocks.StructBlock):
    """A link to a page of the site or to an outside address (exactly one of the two)."""

    title = blocks.CharBlock(label=_("title"), max_length=200)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("external address"), required=False)

    class Meta:
        icon = "link"
        label = _("Related link")
        template = "core/blocks/related_link.html"

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            message = _("Choose either a page or an external address.")
            raise blocks.StructBlockValidationError(non_block_errors=[ValidationError(message)])
        return value


class BodyBlock(blocks.StreamBlock):
    """The body of a news page: the blocks a press officer composes an article from."""

    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"), features=RICH_TEXT_FEATURES, icon="pilcrow"
    )
    heading = HeadingBlock()
    quote = QuoteBlock()
    image = ImageBlock()
    video = VideoBlock()
    related_link = RelatedLinkBlock()
