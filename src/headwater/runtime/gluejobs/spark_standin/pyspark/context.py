"""``pyspark.context.SparkContext`` stand-in: one per process, nothing to run."""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = ["SparkContext"]


class SparkContext:
    """The context Glue scripts hand to GlueContext."""

    _active: ClassVar[SparkContext | None] = None

    def __init__(
        self, master: str | None = None, appName: str | None = None, conf: Any = None, **kwargs: Any
    ) -> None:
        self.master = master or "local"
        self.appName = appName or "glue-job"
        self._conf = conf
        SparkContext._active = self

    @classmethod
    def getOrCreate(cls, conf: Any = None) -> SparkContext:
        """The process's context."""
        if cls._active is None:
            cls(conf=conf)
        assert cls._active is not None
        return cls._active

    def setLogLevel(self, level: str) -> None:
        """Accepted and ignored."""

    def getConf(self) -> Any:
        """The configuration given, if any."""
        return self._conf

    def stop(self) -> None:
        """Forget the context."""
        SparkContext._active = None

    @property
    def defaultParallelism(self) -> int:
        """One engine, one partition."""
        return 1
