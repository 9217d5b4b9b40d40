"""optdyn: a reproducible-paper companion for optimisation theory.

One subpackage per paper (``dropout``, ``adaptive``, ``schedules``, ``saddles``, ``dag``) plus
shared pieces: ``claims`` (the claims ledger), ``stats`` (statistical criteria), ``validation``
(parameter checks), ``nets`` (feed-forward networks as DAGs), ``plotting``, and the notebook
runner and CLI (``runner``, ``collect``, ``cli``).
"""
__version__ = "0.1.0"
