"""Whole-pipeline end-to-end tests: the reference pipelines of SCENARIOS.md as users run them."""
