"""optdyn_book: the tooling that turns the chapter notebooks into the book.

``chapters`` (where chapters, parameters and profiles are), ``runner`` (papermill with a
content-addressed cache), ``workers`` (the process pool of runs and sweeps, Ctrl-C / SIGTERM),
``progress`` (live progress on stderr), ``locking`` (one writer per output folder), ``collect``
(claims ledger and status page), ``build`` (the site), ``apidoc`` (the API page of the science
package), ``sweep`` (robustness sweeps: grids and random variants), ``site`` (the Sphinx extension
and the browser check) and ``cli`` (the ``optdyn`` command, also ``python -m optdyn_book``). It
depends on the science package ``optdyn``, never the reverse.
"""
