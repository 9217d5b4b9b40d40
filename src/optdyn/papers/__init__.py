"""One subpackage per chapter of the book, named by the chapter slug (``book/<slug>.ipynb``)."""
