"""Benchmarks, generators, evaluation and training: the tooling, apart from the runtime code.

Nothing the product runs imports from here (import-linter checks it); the `porch` commands
that generate, evaluate or train do, and `make bench` runs `python -m porch.bench`
(porch/bench/run.py collects the BENCH lines).
"""
