"""Freed heap memory goes back to the system (app.memory), so a long session stays flat."""

from __future__ import annotations

import ctypes.util

import pytest

from app.memory import release_free_memory, resident_mb


@pytest.mark.skipif(not ctypes.util.find_library("c"), reason="no C library found")
def test_released_memory_leaves_the_resident_size():
    # 100 KB blocks come from the heap (below glibc's mmap threshold). Every tenth is kept,
    # so the freed ones are holes inside the heap that glibc keeps for later (the resident
    # size does not drop) until malloc_trim hands their pages back.
    blocks = [bytearray(100_000) for _ in range(800)]
    kept = blocks[9::10]
    del blocks
    freed = resident_mb()
    assert release_free_memory()
    released = resident_mb()
    assert freed - released > 40, (freed, released)
    assert len(kept) == 80
