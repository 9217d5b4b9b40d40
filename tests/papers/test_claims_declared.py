"""Every chapter's claims are declared completely for ledger v2 (one test for all chapters): each is a
:class:`ClaimSpec` named ``<slug>.<name>``; an empirical claim has a near-miss control; a claim documented
*not reproduced* has a positive control; its theorem conditions are conditions of the chapter's schema."""
from __future__ import annotations

import importlib

import pytest

from optdyn.claims import ClaimSpec
from optdyn_book.chapters import chapters

SLUGS = [c.slug for c in chapters()]  # every chapter of the book, in book order


@pytest.mark.parametrize("slug", SLUGS)
def test_every_claim_is_declared_for_ledger_v2(slug):
    claims = importlib.import_module(f"optdyn.papers.{slug}.checks").CLAIMS
    schema = importlib.import_module(f"optdyn.papers.{slug}.parameters").SCHEMA
    assert claims
    for name, spec in claims.items():
        assert isinstance(spec, ClaimSpec) and spec.id == f"{slug}.{name}"
        if spec.kind == "empirical":
            assert any(c.role == "near_miss" for c in spec.controls), name
        if spec.expected == "not reproduced":
            assert any(c.role == "positive" for c in spec.controls), name
        for c in spec.conditions:
            assert c is schema.condition(c.name), (name, c.name)
