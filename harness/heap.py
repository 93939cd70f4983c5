"""Process memory: keep glibc from holding on to the big buffers of model inference."""

from __future__ import annotations

import ctypes
import os
import sys


MMAP_THRESHOLD = 4 << 20
"""Bytes from which glibc serves an allocation with its own mmap (see :func:`bound_heap_growth`)."""


def bound_heap_growth() -> None:
    """Fix glibc's mmap threshold at :data:`MMAP_THRESHOLD`, so that big buffers (activation
    tensors) go back to the system when freed. Left alone, glibc raises the threshold after the
    first such buffer is freed, and later ones stay in the heap, fragmented: in
    ``benchmarks/perf/scaling.py`` peak memory then grew 28% from 1x to 16x the articles, against
    18-19% with the threshold fixed, at the same speed (both with the earlier torch encoder). Linux with glibc only; a ``MALLOC_MMAP_THRESHOLD_``
    set in the environment wins."""
    if not sys.platform.startswith("linux") or os.environ.get("MALLOC_MMAP_THRESHOLD_"):
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(-3, MMAP_THRESHOLD)  # -3: M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # another C library: nothing to tune
        pass
