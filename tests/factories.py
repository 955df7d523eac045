"""factory_boy factories for our models, for unit and integration tests alike.

Pages and videos are saved as the admin saves them: a revision, then published (with the
signals that record their events) unless `published=False` leaves them a draft. A page goes
under `parent` with Wagtail's `add_child`, as wagtail-factories does; its locale is its
parent's. Video media point at file names that do not exist: tests that need real frames
store a real upload (tests/integration/conftest.py's `video`).
"""

import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

import factory
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory
from wagtail.models import Locale, Page

from cms.accounts.models import User
from cms.core.models import Country, HomePage, Person, Topic
from cms.news.models import NewsIndexPage, NewsPage
from cms.newsletter.models import Subscription, SubscriptionLanguage, SubscriptionTopic
from cms.videos.models import Rendition, Video, VideoLibraryPage, VideoMedia
from pipeline.models import OutboxEvent

PASSWORD = "Correct-horse-1"

ModelT = TypeVar("ModelT", bound=Model)
PageT = TypeVar("PageT", bound=Page)
TermT = TypeVar("TermT", Topic, Country, Person)


def locale(language_code: str) -> Locale:
    """One of the content locales the migrations create (settings.WAGTAIL_CONTENT_LANGUAGES)."""
    return Locale.objects.get(language_code=language_code)


def home_page(language_code: str = "en") -> HomePage:
    """The home page of a language: the migrations' English one, or its translation (made
    and published on first use)."""
    english = HomePage.objects.get(locale__language_code="en", depth=2)
    home = english.get_translation_or_none(locale(language_code))
    if home is None:
        home = english.copy_for_translation(locale(language_code))
        home.save_revision().publish()
        home.refresh_from_db()
    return home


def _add_tags(instance: Any, create: bool, tags: Iterable[str] | None, **kwargs: Any) -> None:
    # Kept in memory until the revision is saved and published (_after_postgeneration).
    if tags:
        instance.tags.add(*tags)


# --- People ------------------------------------------------------------------------------


class UserFactory(DjangoModelFactory[User]):
    """An account that has not verified its address: it may sign in, not download."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        # Stored as UserManager.create_user stores it: the domain in lower case.
        kwargs["email"] = User.objects.normalize_email(kwargs["email"])
        return super()._create(model_class, *args, **kwargs)


class JournalistFactory(UserFactory):
    """A media professional with a whole profile who verified their address: downloads and
    clips are open."""

    username = factory.Sequence(lambda n: f"journalist{n}")
    first_name = "Ana"
    last_name = "Silva"
    organisation = "Example News Agency"
    role = "Editor"
    country = "Portugal"
    preferred_language = "en"
    email_verified_at = factory.LazyFunction(timezone.now)


class EditorFactory(UserFactory):
    """A press officer with every right in the Wagtail admin."""

    username = factory.Sequence(lambda n: f"editor{n}")
    is_staff = True
    is_superuser = True


# --- Pages, videos and what they are tagged with ----------------------------------------


class _TermFactory(DjangoModelFactory[TermT]):
    """A taxonomy term in `language`, and its `translations`, {language code: fields}: each
    shares its `translation_key` and keeps its slug unless the fields give one, e.g.
    `translations={"fr": {"name": "Défense"}}`."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    class Params:
        language = "en"

    slug = factory.LazyAttribute(lambda term: slugify(term.name))
    locale = factory.LazyAttribute(lambda term: locale(term.language))

    @factory.post_generation
    def translations(
        term: Topic | Country | Person,
        create: bool,
        translations: dict[str, dict[str, Any]] | None,
        **kwargs: Any,
    ) -> None:
        if not (create and translations):
            return
        for language_code, fields in translations.items():
            translation = term.copy_for_translation(locale(language_code))
            for name, value in fields.items():
                setattr(translation, name, value)
            translation.save()


class TopicFactory(_TermFactory[Topic]):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")


class CountryFactory(_TermFactory[Country]):
    class Meta:
        model = Country

    name = factory.Sequence(lambda n: f"Country {n}")


class PersonFactory(_TermFactory[Person]):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")


class _PublishedFactory(DjangoModelFactory[ModelT]):
    """A page or video saved with a revision, and published unless `published=False`."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    class Params:
        published = True

    live = factory.SelfAttribute("published")

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if not create:
            return
        revision = instance.save_revision()
        if instance.live:
            revision.publish()
            instance.refresh_from_db()


class PageFactory(_PublishedFactory[PageT]):
    """A page under `parent` (wagtail-factories' way: treebeard needs `add_child`)."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))

    @classmethod
    def _create(cls, model_class: type[PageT], *args: Any, **kwargs: Any) -> PageT:
        parent = kwargs.pop("parent")
        page = model_class(*args, **kwargs)
        parent.add_child(instance=page)
        return page


class NewsIndexPageFactory(PageFactory[NewsIndexPage]):
    """A news listing, by default under the English home page."""

    class Meta:
        model = NewsIndexPage

    parent = factory.LazyFunction(home_page)
    title = factory.Sequence(lambda n: f"News {n}")


class VideoLibraryPageFactory(PageFactory[VideoLibraryPage]):
    """The video library, by default under the English home page."""

    class Meta:
        model = VideoLibraryPage

    parent = factory.LazyFunction(home_page)


class NewsPageFactory(PageFactory[NewsPage]):
    """An article, by default in a news index of its own."""

    class Meta:
        model = NewsPage

    parent = factory.SubFactory(NewsIndexPageFactory)
    title = factory.Sequence(lambda n: f"Article {n}")
    standfirst = factory.LazyAttribute(lambda page: f"{page.title}.")
    tags = factory.PostGeneration(_add_tags)


class VideoMediaFactory(DjangoModelFactory[VideoMedia]):
    """Media probed and processed (`ready`): a 75 s 720p source, its file never stored."""

    class Meta:
        model = VideoMedia

    source = factory.Sequence(lambda n: f"videos/originals/sample-{n}.mp4")
    original_filename = factory.LazyAttribute(lambda media: media.source.rsplit("/", 1)[-1])
    status = VideoMedia.Status.READY
    progress = 100
    duration = 75.0
    width = 1280
    height = 720
    frame_rate = 25.0
    video_codec = "h264"
    audio_codec = "aac"
    has_audio = True


class RenditionFactory(DjangoModelFactory[Rendition]):
    """A 720p MP4 rendition of a media's (the file is not stored)."""

    class Meta:
        model = Rendition

    media = factory.SubFactory(VideoMediaFactory)
    name = "720p"
    width = 1280
    height = 720
    file = factory.LazyAttribute(lambda rendition: f"videos/renditions/{rendition.name}.mp4")
    bytes = 4_000_000
    video_codec = "h264"
    audio_codec = "aac"


class VideoFactory(_PublishedFactory[Video]):
    """A video in the default locale, with ready media of its own."""

    class Meta:
        model = Video

    title = factory.Sequence(lambda n: f"Video {n}")
    media = factory.SubFactory(VideoMediaFactory)
    tags = factory.PostGeneration(_add_tags)


# --- Newsletter --------------------------------------------------------------------------


class SubscriptionFactory(DjangoModelFactory[Subscription]):
    """A confirmed subscriber who reads `languages` (by default the language they subscribed
    in) and follows `topics` (Topic instances; none: every topic)."""

    class Meta:
        model = Subscription
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    language = "en"
    status = Subscription.Status.CONFIRMED
    confirmed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def languages(
        subscription: Subscription, create: bool, codes: Iterable[str] | None, **kwargs: Any
    ) -> None:
        if create:
            SubscriptionLanguage.objects.bulk_create(
                SubscriptionLanguage(subscription=subscription, code=code)
                for code in (codes if codes is not None else [subscription.language])
            )

    @factory.post_generation
    def topics(
        subscription: Subscription, create: bool, topics: Iterable[Topic] | None, **kwargs: Any
    ) -> None:
        if create and topics:
            SubscriptionTopic.objects.bulk_create(
                SubscriptionTopic(subscription=subscription, translation_key=topic.translation_key)
                for topic in topics
            )


# --- Events ------------------------------------------------------------------------------


class OutboxEventFactory(DjangoModelFactory[OutboxEvent]):
    """An unsent `cms.page.published` event of a page of its own (its first event)."""

    class Meta:
        model = OutboxEvent

    event_id = factory.LazyFunction(uuid.uuid4)
    type = "cms.page.published"
    subject = factory.Sequence(lambda n: f"pages/{n + 1}")
    sequence = 1
    time = factory.LazyFunction(timezone.now)
    data = factory.LazyAttribute(lambda event: {"id": int(event.subject.rpartition("/")[2])})
