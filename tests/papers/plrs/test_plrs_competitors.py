"""The PLRS paper's competitor settings (App. F), scaled to a training budget."""
import pytest

from optdyn.papers.plrs.competitors import paper_defaults


def test_paper_defaults():
    k = paper_defaults("knee", total_epochs=500, steps_per_epoch=391, peak_lr=0.1)
    assert k.explore_steps == 39100 and k.total_steps == 195500  # the authors' code values
    m = paper_defaults("multi_step", total_epochs=500, steps_per_epoch=10, peak_lr=0.1)
    assert m.milestones == (1000, 1500)
    c = paper_defaults("constant", total_epochs=5, steps_per_epoch=10, peak_lr=0.1, l_min_ratio=0.7)
    assert c(0) == pytest.approx(0.085)
    p = paper_defaults("plrs", total_epochs=5, steps_per_epoch=10, peak_lr=0.1, l_min_ratio=0.7, seed=3)
    assert (p.l_min, p.l_max, p.seed) == (pytest.approx(0.07), 0.1, 3)
    o = paper_defaults("one_cycle", total_epochs=5, steps_per_epoch=10, peak_lr=0.1)
    assert o.total_steps == 50 and o.pct_start == 0.45 and o.final_div_factor == 1e4
    with pytest.raises(TypeError, match="seed"):  # no default seed for the random schedule
        paper_defaults("plrs", total_epochs=5, steps_per_epoch=10, peak_lr=0.1)
    with pytest.raises(ValueError, match="name"):
        paper_defaults("adam", total_epochs=5, steps_per_epoch=10, peak_lr=0.1)
