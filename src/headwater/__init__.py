"""Headwater: AWS-style event-driven data pipelines, run for real on one machine."""

__all__ = ["__version__"]

__version__ = "0.1.0"
