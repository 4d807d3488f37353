"""Handing freed memory back to the system between the steps of a load or a report.

numpy allocates from the C library's heap (glibc's malloc on Linux), Arrow from its own pool
(mimalloc). Both keep what a step freed for later use, and neither reuses the other's: the freed
row-sized temporaries of one step (8 MB an int64 array a million events) stay resident while the
next step allocates its own, so the process's peak is the live data plus what the earlier steps
left behind. :func:`release_unused` gives that back: Arrow's pool releases its unused pages and
glibc's ``malloc_trim(0)`` returns the free pages of its heap (the middle too, not only the top).
It changes no setting of either allocator (unlike ``MALLOC_MMAP_THRESHOLD_`` or
``ARROW_DEFAULT_MEMORY_POOL``, which hold for the whole process); elsewhere (musl, macOS,
Windows) only Arrow's pool is asked.
"""

from __future__ import annotations

import ctypes
import functools
import logging
from collections.abc import Callable

__all__ = ["release_unused"]

logger = logging.getLogger(__name__)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    try:  # the symbols the interpreter is linked with: its C library's
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        logger.debug("no malloc_trim in this C library")
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_unused() -> None:
    """Return the memory Arrow's pool and the C heap hold free to the system (a few ms)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
