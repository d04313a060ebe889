"""Spinal nerve roots as the quiz reads and offers them: the roots a sentence names, and
the root lists that are wrong by the data (a roots or supply question's distractors).

A distractor must be wrong by the data, never merely incomplete or generous: "L1" beside
the iliohypogastric's "T12, L1" names only right roots, and a student could defend it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

#: The roots in order down the spine, and a root or a range of them in a sentence.
ROOT_ORDER = ("T12", "L1", "L2", "L3", "L4", "L5", "S1", "S2", "S3", "S4")
ROOTS = re.compile(r"\b(T12|L[1-5]|S[1-4])(?:\s*[-\N{EN DASH}]\s*(L[1-5]|S[1-4]))?\b")


def roots_in(text: str) -> list[str]:
    """The spinal nerves a sentence names, ranges spread out: ``"L1-L3 and T12"`` ->
    ``["T12", "L1", "L2", "L3"]``."""
    found: set[str] = set()
    for first, last in ROOTS.findall(text):
        if last:
            start, stop = ROOT_ORDER.index(first), ROOT_ORDER.index(last)
            found.update(ROOT_ORDER[start : stop + 1])
        else:
            found.add(first)
    return [root for root in ROOT_ORDER if root in found]


def root_list(roots: Iterable[str]) -> str:
    """``["L2", "L3", "L4"]`` -> ``"L2, L3, L4"``."""
    return ", ".join(roots)


def wrong_by_the_data(roots: Iterable[str], right: Iterable[str]) -> bool:
    """A root list no one could defend as the answer ``right``: it names a root the data
    does not give and leaves out one it does. A list of right roots only ("L1" for
    "T12, L1") or all of them and one more is defensible: small contributions vary (the
    atlas' own lumbar plexus is "L1-L4, usually with a small contribution from T12",
    content/nerves.yaml, after gray42 and moore8)."""
    named, wanted = set(roots), set(right)
    return bool(named - wanted) and bool(wanted - named)


def wrong_roots(right: Sequence[str], candidates: Iterable[Sequence[str]]) -> list[str]:
    """The candidates (other nerves' roots) that are wrong by the data, as root lists."""
    return [root_list(c) for c in candidates if wrong_by_the_data(c, right)]


def shifted_roots(right: Sequence[str]) -> list[str]:
    """The same number of consecutive roots a level or more up or down the spine, nearest
    first, wrong by the data: the choices that fill in when other nerves give too few."""
    order = [r for r in ROOT_ORDER if r in right]
    if not order:
        return []
    first, size = ROOT_ORDER.index(order[0]), len(order)
    starts = sorted(range(len(ROOT_ORDER) - size + 1), key=lambda i: (abs(i - first), i))
    windows = [ROOT_ORDER[i : i + size] for i in starts]
    return [root_list(w) for w in windows if wrong_by_the_data(w, right)]
