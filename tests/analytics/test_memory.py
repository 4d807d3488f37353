"""Handing freed memory back between the steps of a load or a report."""

from __future__ import annotations

import platform

import numpy as np
import pytest

from igbot.analytics._memory import _malloc_trim, release_unused


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's")
def test_glibc_trim_is_found() -> None:
    assert _malloc_trim() is not None


def test_release_after_freeing_keeps_live_arrays_intact() -> None:
    import pyarrow as pa

    keep = np.arange(1_000_000)
    kept = pa.array(np.arange(1_000))
    for _ in range(3):
        freed = np.ones(4_000_000)  # 32 MB, freed before the release
        del freed
        release_unused()
    assert int(keep.sum()) == 499_999_500_000
    assert kept.to_pylist()[-1] == 999
