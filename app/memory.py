"""Hand freed heap memory back to the system.

Software OpenGL (Mesa llvmpipe) allocates and frees tens of megabytes while it draws: about
16 MB for every frame of the window, hundreds for a 4K export. glibc keeps what is freed in
its heap for the next allocation, so the resident size of the process only ever climbs to
its highest point, and a user's session looks like a leak. ``malloc_trim`` returns the free
pages; the window calls it when it has been idle a moment and after each export.

glibc also raises its mmap threshold each time a large block is freed (up to 32 MB), after
which the drawing's large buffers come from the heap and leave it fragmented: the resident
size then swings by tens of MB with what was drawn last. :func:`map_large_blocks` fixes the
threshold, so large blocks are mapped and unmapped as they come and go.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache
from typing import Any

#: How long the window waits after its last frame before giving memory back (ms): long
#: enough never to land inside a drag or an animation, short enough to follow a user's pause.
IDLE_RELEASE_MS = 1500


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


#: Blocks at least this large (bytes) get their own mapping, returned when freed.
MMAP_THRESHOLD = 256 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


def map_large_blocks() -> bool:
    """Fix glibc's mmap threshold at :data:`MMAP_THRESHOLD` (see above); False where the
    C library has no ``mallopt``. The scene renderer calls it (again is harmless)."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def release_free_memory() -> bool:
    """Give the heap's free pages back to the system (glibc); False where there is no
    ``malloc_trim`` (another C library: nothing to do)."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def resident_mb() -> float:
    """This process' resident memory now (MB; Linux), 0 where it cannot be read."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def keep_for_good() -> None:
    """Leave what exists now out of Python's full collections, for the rest of the process
    (``gc.freeze``): called once start-up has made what lives as long as the window or the
    command (modules, the atlas, the window's widgets and actors, some 230,000 objects).

    Each export's close collects in full to free its render window's reference cycles; with
    those objects scanned every time, an export from the window took 0.36 s at 320x180, half
    of it the collection; 0.19 s without them. What is garbage now is collected first, so
    nothing freed is kept."""
    gc.collect()
    gc.freeze()
