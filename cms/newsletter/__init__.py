"""Newsletter subscriptions with double opt-in."""
