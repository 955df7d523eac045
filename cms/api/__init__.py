"""The headless REST API: Wagtail API v2 router, our endpoints and the OpenAPI schema."""
