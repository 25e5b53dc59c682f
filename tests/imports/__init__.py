"""Tests of CSV and Parquet imports (adapters, CLI)."""
