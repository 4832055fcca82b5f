"""Porch: a self-hosted social media desk for small businesses."""

__version__ = "0.1.0"
