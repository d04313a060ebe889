"""Freed heap memory goes back to the system (app.memory), so a long session stays flat."""

from __future__ import annotations

import ctypes.util

import pytest

from app.memory import map_large_blocks, release_free_memory, resident_mb


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


@pytest.mark.skipif(not ctypes.util.find_library("c"), reason="no C library found")
def test_large_blocks_go_back_to_the_system_as_soon_as_they_are_freed():
    # glibc's default: freeing one mapped 1 MB block raises the threshold above 1 MB, and
    # the next ones come from the heap and stay resident when freed, between small ones.
    assert map_large_blocks()
    freed = bytearray(1_000_000)  # one freed, as a drawing frees its buffers
    del freed
    blocks = [(bytearray(1_000_000), bytearray(1_000)) for _ in range(60)]
    before = resident_mb()
    small = [b for _, b in blocks]  # kept: without mapping, they pin the large blocks' pages
    del blocks
    after = resident_mb()
    assert before - after > 40, (before, after)
    assert len(small) == 60
