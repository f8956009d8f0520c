"""longtail: a terminal browser and player for a local mirror of the archive."""

__version__ = "0.1.0"
