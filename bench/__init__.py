"""Benchmarks: ``make bench``. Each prints figures measured side by side in one run."""
