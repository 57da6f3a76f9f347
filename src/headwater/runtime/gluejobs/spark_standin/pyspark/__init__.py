"""A stand-in for ``pyspark`` when Spark is not installed: enough for Glue job scripts.

This folder goes at the end of a job worker's ``sys.path``, so a real ``pyspark`` wins when
there is one.
"""

from .conf import SparkConf
from .context import SparkContext

__all__ = ["SparkConf", "SparkContext"]
