"""Registers the portal's news pages: what the page models hand their visitors to."""

from wagtail import hooks

from .feeds import news_feed
from .portal import news_listing_context, news_page_context

hooks.register("news_listing_context", news_listing_context)
hooks.register("news_page_context", news_page_context)
hooks.register("news_feed", news_feed)
