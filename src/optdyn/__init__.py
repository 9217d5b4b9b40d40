"""optdyn: the science behind the reproducible-paper companion (numpy, scipy, matplotlib only).

Layers (each imports only from the layers above it):

* ``optdyn.validation``, ``optdyn.random``: parameter checks and schemas; named random streams.
* ``optdyn.core``: paper-agnostic pieces: networks as DAGs (``core.nets``), learning-rate schedules
  (``core.schedules``), the optimiser protocol, numerics.
* ``optdyn.stats``: the statistics every criterion uses; ``optdyn.claims``: the claims ledger;
  ``optdyn.plotting``: the book's figure style.
* ``optdyn.papers.<slug>``: one subpackage per chapter, named by the chapter slug
  (``dropout_sgd``, ``adaptive_sdes``, ``plrs``, ``saddle_to_saddle``, ``momentum_dag``), each with the
  same role modules: ``parameters`` (the chapter's parameter schema), ``theory`` (closed forms),
  ``simulation``, ``experiments``, ``checks`` (criteria), ``figures``, and ``profile.yaml``.

The book tooling (runner, build, status page, sweeps, the ``optdyn`` command) is the separate
package ``optdyn_book``; nothing here imports it.
"""
__version__ = "0.1.0"
