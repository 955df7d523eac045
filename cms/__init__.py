"""Newsroom content and people: Wagtail pages, snippets, accounts and the headless API."""
