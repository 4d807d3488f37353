"""Fixtures for the webhook server tests (defined in ``_support``)."""

from ._support import live, standin

__all__ = ["live", "standin"]
