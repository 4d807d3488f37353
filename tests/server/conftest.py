"""Fixtures for the webhook server tests (defined in ``_support``)."""

from ._support import backend, live, standin

__all__ = ["backend", "live", "standin"]
