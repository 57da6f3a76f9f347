"""Headwater's ``awsglue`` package: the Glue ETL library job scripts import, over Arrow/DuckDB.

Only job worker processes import it (the folder holding it is put on their ``sys.path``); it
never imports Headwater, and talks to the Headwater that runs the job through boto3.
"""

from .dynamicframe import DynamicFrame

__all__ = ["DynamicFrame"]
