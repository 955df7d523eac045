"""Who is sent an article (its language and topics), and how topics are offered."""

import pytest
from django.utils import translation

from cms.newsletter.forms import topic_choices
from cms.newsletter.models import Subscription
from cms.newsletter.services import recipients_for
from tests.factories import (
    NewsIndexPageFactory,
    NewsPageFactory,
    SubscriptionFactory,
    TopicFactory,
    home_page,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def defence():
    return TopicFactory.create(name="Defence")


@pytest.fixture
def budget():
    return TopicFactory.create(name="Budget")


def _emails(page) -> list[str]:
    return [subscription.email for subscription in recipients_for(page)]


def test_readers_of_every_topic_get_every_article_in_their_language(defence):
    everything = SubscriptionFactory.create(email="all@example.org")
    SubscriptionFactory.create(email="french@example.org", language="fr")

    assert _emails(NewsPageFactory.create(topics=[defence])) == [everything.email]
    assert _emails(NewsPageFactory.create()) == [everything.email]


def test_a_reader_of_some_topics_gets_the_articles_on_one_of_them(defence, budget):
    SubscriptionFactory.create(email="defence@example.org", topics=[defence])
    SubscriptionFactory.create(email="budget@example.org", topics=[budget])
    SubscriptionFactory.create(email="both@example.org", topics=[defence, budget])

    assert _emails(NewsPageFactory.create(topics=[defence])) == [
        "defence@example.org",
        "both@example.org",
    ]
    assert _emails(NewsPageFactory.create(topics=[budget])) == [
        "budget@example.org",
        "both@example.org",
    ]


def test_an_article_without_topics_reaches_only_readers_of_every_topic(defence):
    SubscriptionFactory.create(email="defence@example.org", topics=[defence])
    SubscriptionFactory.create(email="all@example.org")

    assert _emails(NewsPageFactory.create()) == ["all@example.org"]


def test_an_article_on_several_followed_topics_is_sent_once(defence, budget):
    SubscriptionFactory.create(email="both@example.org", topics=[defence, budget])

    assert _emails(NewsPageFactory.create(topics=[defence, budget])) == ["both@example.org"]


def test_a_topic_followed_in_one_language_matches_its_translation(defence):
    """Subscribers choose topics by translation key: the French article is tagged with the
    French term, the subscriber chose the English one."""
    defense = TopicFactory.create(
        language="fr", name="Défense", translation_key=defence.translation_key
    )
    SubscriptionFactory.create(
        email="reader@example.org", languages=["en", "fr"], topics=[defence]
    )
    french_news = NewsIndexPageFactory.create(parent=home_page("fr"), title="Actualités")

    article = NewsPageFactory.create(parent=french_news, topics=[defense])

    assert article.locale.language_code == "fr"
    assert _emails(article) == ["reader@example.org"]


def test_readers_get_articles_in_the_languages_they_chose():
    SubscriptionFactory.create(email="english@example.org", languages=["en"])
    SubscriptionFactory.create(email="both@example.org", languages=["en", "fr"])
    SubscriptionFactory.create(email="french@example.org", language="en", languages=["fr"])
    french_news = NewsIndexPageFactory.create(parent=home_page("fr"), title="Actualités")

    assert _emails(NewsPageFactory.create()) == ["english@example.org", "both@example.org"]
    assert _emails(NewsPageFactory.create(parent=french_news)) == [
        "both@example.org",
        "french@example.org",
    ]


@pytest.mark.parametrize("status", [Subscription.Status.PENDING, Subscription.Status.UNSUBSCRIBED])
def test_only_confirmed_readers_are_sent_anything(status):
    SubscriptionFactory.create(status=status)

    assert _emails(NewsPageFactory.create()) == []


def test_a_reader_who_chose_no_language_is_sent_nothing():
    SubscriptionFactory.create(languages=[])

    assert _emails(NewsPageFactory.create()) == []


def test_recipients_come_in_the_order_they_subscribed(defence):
    first = SubscriptionFactory.create(topics=[defence])
    everything = SubscriptionFactory.create()
    last = SubscriptionFactory.create(topics=[defence])

    assert _emails(NewsPageFactory.create(topics=[defence])) == [
        first.email,
        everything.email,
        last.email,
    ]


# --- The topics a subscriber chooses from -----------------------------------------------


def test_each_topic_is_offered_once_named_in_the_active_language(defence, budget):
    TopicFactory.create(language="fr", name="Défense", translation_key=defence.translation_key)

    with translation.override("fr"):
        french = topic_choices()
    with translation.override("en"):
        english = topic_choices()

    # Budget has no French translation: its English name stands in.
    assert french == [
        (str(budget.translation_key), "Budget"),
        (str(defence.translation_key), "Défense"),
    ]
    assert english == [
        (str(budget.translation_key), "Budget"),
        (str(defence.translation_key), "Defence"),
    ]


def test_topics_are_sorted_by_name_whatever_the_case():
    for name in ["zoology", "Arms control", "budget"]:
        TopicFactory.create(name=name)

    assert [name for _key, name in topic_choices()] == ["Arms control", "budget", "zoology"]


def test_without_topics_there_is_nothing_to_choose():
    assert topic_choices() == []
