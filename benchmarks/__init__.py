"""Benchmarks of the book's compute budgets, run by hand from the repository root
(``python -m benchmarks.<name>``; see benchmarks/README.md). Not run by ``make test``.
"""
