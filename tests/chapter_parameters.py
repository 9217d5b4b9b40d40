"""A chapter's parameters as the paper tests see them: the notebook's defaults, the profiles, and every
profile and default-sweep point, read through the book tooling's chapter registry
(:func:`optdyn_book.chapters.chapter`). Deep copies: a test may change what it gets."""
from __future__ import annotations

import copy
import functools
import itertools

from optdyn_book import chapters


@functools.lru_cache(maxsize=None)
def chapter(slug: str) -> chapters.Chapter:
    return chapters.chapter(slug)


def defaults(slug: str) -> dict:
    """The notebook's ``parameters`` cell (the book profile)."""
    return copy.deepcopy(chapter(slug).parameters)


def profiles(slug: str) -> dict:
    """``papers/<slug>/profile.yaml``: the profiles and the default sweep."""
    return copy.deepcopy(chapter(slug).profiles)


def parameter_sets(slug: str):
    """Every profile (quick, book, full) over the defaults, and at each profile every point of the default sweep."""
    d, prof = defaults(slug), profiles(slug)
    grid = prof["sweep"]["grid"]
    for name in ("quick", "book", "full"):
        P = {**d, **(prof.get(name) or {}), "profile": name}
        yield P
        for seed, vals in itertools.product(prof["sweep"]["seeds"], itertools.product(*grid.values())):
            yield {**P, **dict(zip(grid, vals)), "seed": seed}
