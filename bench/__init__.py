"""Benchmarks of powercrm against DuckDB and pandas baselines (bench-only; never imported by powercrm)."""
