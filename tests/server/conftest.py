"""Fixtures for the webhook server tests (defined in ``_support``)."""

from ._support import backend, database_url, live, postgres, standin

__all__ = ["backend", "database_url", "live", "postgres", "standin"]
