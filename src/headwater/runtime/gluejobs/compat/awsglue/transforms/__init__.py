"""``awsglue.transforms``: the DynamicFrame transforms scripts import with ``*``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..dynamicframe import DynamicFrame, DynamicRecord

__all__ = [
    "ApplyMapping",
    "DropFields",
    "DropNullFields",
    "Filter",
    "GlueTransform",
    "Join",
    "Map",
    "RenameField",
    "ResolveChoice",
    "SelectFields",
    "Union",
]


class GlueTransform:
    """Base of the transforms: ``Transform.apply(frame=..., ...)``."""

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> DynamicFrame:
        """Run the transform."""
        return cls()._run(*args, **kwargs)

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        raise NotImplementedError


def _frame(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[DynamicFrame, tuple[Any, ...]]:
    if "frame" in kwargs:
        return kwargs.pop("frame"), args
    return args[0], args[1:]


class ApplyMapping(GlueTransform):
    """Keep, rename and cast fields: ``mappings=[(src, type, dst, type), ...]``."""

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        frame, rest = _frame(args, kwargs)
        mappings = kwargs.pop("mappings", rest[0] if rest else [])
        return frame.apply_mapping(mappings, **kwargs)


class SelectFields(GlueTransform):
    """Keep ``paths``."""

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        frame, rest = _frame(args, kwargs)
        paths: Sequence[str] = kwargs.pop("paths", rest[0] if rest else [])
        return frame.select_fields(paths)


class DropFields(GlueTransform):
    """Drop ``paths``."""

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        frame, rest = _frame(args, kwargs)
        paths: Sequence[str] = kwargs.pop("paths", rest[0] if rest else [])
        return frame.drop_fields(paths)


class RenameField(GlueTransform):
    """Rename ``old_name`` to ``new_name``."""

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        frame, rest = _frame(args, kwargs)
        old = kwargs.pop("old_name", rest[0] if rest else None)
        new = kwargs.pop("new_name", rest[1] if len(rest) > 1 else None)
        return frame.rename_field(str(old), str(new))


class Filter(GlueTransform):
    """Keep records for which ``f(record)`` is true."""

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        frame, rest = _frame(args, kwargs)
        f: Callable[[DynamicRecord], Any] = kwargs.pop("f", rest[0] if rest else None)
        return frame.filter(f)


class Map(GlueTransform):
    """Replace each record by ``f(record)``."""

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        frame, rest = _frame(args, kwargs)
        f: Callable[[DynamicRecord], Any] = kwargs.pop("f", rest[0] if rest else None)
        return frame.map(f)


class ResolveChoice(GlueTransform):
    """Resolve choice types (``specs=[(path, "cast:long")]``)."""

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        frame, rest = _frame(args, kwargs)
        specs = kwargs.pop("specs", rest[0] if rest else None)
        return frame.resolveChoice(specs=specs, choice=kwargs.pop("choice", ""))


class DropNullFields(GlueTransform):
    """Drop fields that are null in every record."""

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        frame, _ = _frame(args, kwargs)
        return frame.drop_nulls()


class Join(GlueTransform):
    """Equi-join ``frame1`` and ``frame2`` on ``keys1`` = ``keys2``."""

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        frame1 = kwargs.pop("frame1", args[0] if args else None)
        frame2 = kwargs.pop("frame2", args[1] if len(args) > 1 else None)
        keys1 = kwargs.pop("keys1", args[2] if len(args) > 2 else [])
        keys2 = kwargs.pop("keys2", args[3] if len(args) > 3 else [])
        joined: DynamicFrame = frame1.join(keys1, keys2, frame2)
        return joined


class Union(GlueTransform):
    """Records of ``frame1`` and ``frame2``."""

    def _run(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        frame1 = kwargs.pop("frame1", args[0] if args else None)
        frame2 = kwargs.pop("frame2", args[1] if len(args) > 1 else None)
        merged: DynamicFrame = frame1.union(frame2)
        return merged
