"""Video assets, renditions, shot lists and clips (partial downloads)."""
