"""``pyspark.conf.SparkConf`` stand-in."""

from __future__ import annotations

from typing import Any

__all__ = ["SparkConf"]


class SparkConf:
    """Settings are kept, and otherwise ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._values: dict[str, str] = {}

    def set(self, key: str, value: Any) -> SparkConf:
        """Keep a setting."""
        self._values[key] = str(value)
        return self

    def setAppName(self, name: str) -> SparkConf:
        """Keep the app name."""
        return self.set("spark.app.name", name)

    def setMaster(self, url: str) -> SparkConf:
        """Keep the master URL."""
        return self.set("spark.master", url)

    def get(self, key: str, default: str | None = None) -> str | None:
        """A setting."""
        return self._values.get(key, default)

    def getAll(self) -> list[tuple[str, str]]:
        """Every setting."""
        return list(self._values.items())
