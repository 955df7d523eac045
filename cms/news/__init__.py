"""News index and news pages."""
