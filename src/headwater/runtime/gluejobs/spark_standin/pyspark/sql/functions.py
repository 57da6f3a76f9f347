"""``pyspark.sql.functions`` stand-in."""

from awsglue._functions import *  # type: ignore[import-not-found]  # noqa: F403
from awsglue._functions import __all__  # type: ignore[import-not-found]  # noqa: F401
