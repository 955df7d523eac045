"""Site-wide pieces: the home page, locales and shared templates."""
