"""Roster writes (being split by topic; this step only moves the module)."""

from .dispatch import *  # noqa: F403
