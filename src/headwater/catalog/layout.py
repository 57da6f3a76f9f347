"""Where tables begin: grouping classified objects into table drafts, as Glue's crawler does.

The objects under an include path form a folder tree. A folder whose objects all sit at the
same depth below it, share one format (:meth:`FileFormat.compat_key`) and have similar schemas
becomes one table rooted there, its sub-folder levels becoming partition keys (``k=v`` folders
name their key ``k``; plain folders ``partition_0``, ``partition_1``, ...). Otherwise each
child folder is considered on its own, and the objects directly in a mixed folder become
tables of their own, named after the objects. Schemas are similar when every object's columns
cover at least 70% of the union (Glue's threshold), or when more than half of the sibling
folders are similar to each other (Glue's "majority of schemas at a folder level");
``CombineCompatibleSchemas`` drops that test and merges any compatible schemas.
``TableLevelConfiguration`` fixes the table roots at an absolute folder depth instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from headwater.catalog.classifiers import FileSchema
from headwater.catalog.hive_types import widen_type_strings
from headwater.catalog.model import Column
from headwater.catalog.sampling import S3Object

__all__ = [
    "SIMILARITY_THRESHOLD",
    "CrawledFile",
    "TableDraft",
    "descend_single_child",
    "merge_columns",
    "partition_spec",
    "plan_by_level",
    "plan_tables",
    "sanitize_name",
    "unescape_path_value",
]

SIMILARITY_THRESHOLD = 0.7
_HIVE_FOLDER = re.compile(r"\A([^=/]+)=(.*)\Z")
_UNSAFE = re.compile(r"[^a-z0-9_]")


@dataclass(slots=True, kw_only=True)
class CrawledFile:
    """An object that made it through filtering, with its folder path and (once read) schema."""

    obj: S3Object
    folders: tuple[str, ...]
    name: str
    schema: FileSchema


@dataclass(slots=True, kw_only=True)
class TableDraft:
    """A future table: its root folder (or single object), its files and partition depth."""

    root: tuple[str, ...]
    files: list[CrawledFile]
    depth: int
    object_key: str | None = None

    @property
    def base_name(self) -> str:
        """The name before sanitising: the root folder's (or the object's) name."""
        if self.object_key is not None:
            return self.object_key.rsplit("/", 1)[-1]
        return self.root[-1] if self.root else ""


@dataclass(slots=True)
class _Node:
    folders: tuple[str, ...]
    files: list[CrawledFile] = field(default_factory=list)
    children: dict[str, _Node] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class _Group:
    depth: int
    key: tuple[object, ...]
    columns: list[Column]
    member_sets: list[frozenset[str]]
    files: list[CrawledFile]


def sanitize_name(raw: str) -> str:
    """A catalog table name from a folder or object name: lower case, ``[a-z0-9_]`` only."""
    return _UNSAFE.sub("_", raw.lower())


def unescape_path_value(value: str) -> str:
    """Undo Hive's ``%XX`` escaping of partition values in folder names."""
    if "%" not in value:
        return value
    out = bytearray()
    i = 0
    raw = value.encode("utf-8")
    while i < len(raw):
        if raw[i] == 0x25 and i + 2 < len(raw) and _is_hex(raw[i + 1 : i + 3]):
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8", errors="replace")


def _is_hex(pair: bytes) -> bool:
    return len(pair) == 2 and all(c in b"0123456789abcdefABCDEF" for c in pair)


def merge_columns(columns: Iterable[Sequence[Column]]) -> list[Column]:
    """Union of column lists by (case-insensitive) name, first appearance first, types widened."""
    merged: dict[str, Column] = {}
    for cols in columns:
        for col in cols:
            key = col.name.lower()
            seen = merged.get(key)
            if seen is None:
                merged[key] = col
            elif seen.type != col.type:
                merged[key] = Column(name=seen.name, type=widen_type_strings(seen.type, col.type))
    return list(merged.values())


def _group_of(files: list[CrawledFile], depth: int) -> _Group | None:
    keys = {f.schema.format.compat_key() for f in files}
    if len(keys) != 1:
        return None
    return _Group(
        depth=depth,
        key=next(iter(keys)),
        columns=merge_columns(f.schema.columns for f in files),
        member_sets=[frozenset(c.name.lower() for c in f.schema.columns) for f in files],
        files=list(files),
    )


def _similar(group: _Group) -> bool:
    union = {c.name.lower() for c in group.columns}
    if not union:
        return True
    return all(len(m & union) / len(union) >= SIMILARITY_THRESHOLD for m in group.member_sets)


def _combine(groups: list[_Group], depth: int, combine: bool) -> _Group | None:
    if not groups or len({g.key for g in groups}) != 1 or len({g.depth for g in groups}) != 1:
        return None
    merged = _Group(
        depth=depth,
        key=groups[0].key,
        columns=merge_columns(g.columns for g in groups),
        member_sets=[m for g in groups for m in g.member_sets],
        files=[f for g in groups for f in g.files],
    )
    if combine or _similar(merged):
        return merged
    return merged if _majority_similar(groups) else None


def _majority_similar(groups: list[_Group]) -> bool:
    """Glue's rule: sibling folders are partitions when most of their schemas are similar.

    The most common column set seeds the similar subset; folders whose columns cover at least
    the threshold of the seed's join it. More than half the folders must.
    """
    if len(groups) < 3:
        return False
    sets = [frozenset(c.name.lower() for c in g.columns) for g in groups]
    seed = max(sets, key=sets.count)
    similar = [s for s in sets if seed and len(s & seed) / len(s | seed) >= SIMILARITY_THRESHOLD]
    return len(similar) * 2 > len(groups)


def _tree(files: Iterable[CrawledFile], base: tuple[str, ...]) -> _Node:
    root = _Node(base)
    for f in files:
        node = root
        for i in range(len(base), len(f.folders)):
            name = f.folders[i]
            child = node.children.get(name)
            if child is None:
                child = node.children[name] = _Node(f.folders[: i + 1])
            node = child
        node.files.append(f)
    return root


def _per_file(files: list[CrawledFile]) -> list[TableDraft]:
    return [
        TableDraft(root=f.folders, files=[f], depth=0, object_key=f.obj.key)
        for f in sorted(files, key=lambda f: f.obj.key)
    ]


def _visit(node: _Node, combine: bool) -> _Group | list[TableDraft]:
    """A node's group when it can be one table, else the drafts found beneath it."""
    results = {name: _visit(child, combine) for name, child in sorted(node.children.items())}
    direct: _Group | None = None
    if node.files:
        direct = _group_of(node.files, 0)
        if direct is not None and not combine and not _similar(direct):
            direct = None
    if not results:
        return direct if direct is not None else _per_file(node.files)
    child_groups = [r for r in results.values() if isinstance(r, _Group)]
    if not node.files and len(child_groups) == len(results):
        merged = _combine(child_groups, child_groups[0].depth + 1, combine)
        if merged is not None:
            return merged
    drafts: list[TableDraft] = []
    for name, result in results.items():
        if isinstance(result, _Group):
            drafts.append(
                TableDraft(root=node.children[name].folders, files=result.files, depth=result.depth)
            )
        else:
            drafts.extend(result)
    if node.files:
        if direct is not None:
            drafts.append(TableDraft(root=node.folders, files=direct.files, depth=0))
        else:
            drafts.extend(_per_file(node.files))
    return drafts


def plan_tables(
    files: Sequence[CrawledFile], base: tuple[str, ...], *, combine: bool
) -> list[TableDraft]:
    """Table drafts for the files under the include folder ``base`` (folder components)."""
    if not files:
        return []
    result = _visit(_tree(files, base), combine)
    if isinstance(result, _Group):
        return [TableDraft(root=base, files=result.files, depth=result.depth)]
    return result


def descend_single_child(draft: TableDraft) -> TableDraft:
    """Move a table rooted at the include path down through a lone plain sub-folder.

    ``s3://b/curated/`` holding only ``customers/...`` catalogs ``customers`` (rooted at
    ``curated/customers/``), as Glue names a table after the folder that holds its data; a
    one-value ``partition_0`` would say nothing. Hive ``key=value`` folders stay partitions
    (``total_clicks/ingest_year=2024/...`` keeps its table name and partition keys).
    """
    root, depth = draft.root, draft.depth
    while depth > 0 and draft.files:
        below = {f.folders[len(root)] for f in draft.files}
        if len(below) != 1:
            break
        child = next(iter(below))
        if _HIVE_FOLDER.match(child):
            break
        root, depth = (*root, child), depth - 1
    if root == draft.root:
        return draft
    return TableDraft(root=root, files=draft.files, depth=depth, object_key=draft.object_key)


def plan_by_level(
    files: Sequence[CrawledFile], base: tuple[str, ...], level: int
) -> tuple[list[TableDraft], list[CrawledFile]]:
    """Drafts rooted at the absolute folder depth ``level`` (``TableLevelConfiguration``).

    Returns the drafts and the files left out (at another depth than most of their table's,
    or of another format).
    """
    depth = max(level, len(base))
    by_root: dict[tuple[str, ...], list[CrawledFile]] = {}
    for f in files:
        root = f.folders[:depth] if len(f.folders) >= depth else f.folders
        by_root.setdefault(root, []).append(f)
    drafts: list[TableDraft] = []
    left_out: list[CrawledFile] = []
    for root, members in sorted(by_root.items()):
        depths = Counter(len(f.folders) - len(root) for f in members)
        common = depths.most_common(1)[0][0]
        keys = Counter(f.schema.format.compat_key() for f in members)
        key = keys.most_common(1)[0][0]
        kept = [
            f
            for f in members
            if len(f.folders) - len(root) == common and f.schema.format.compat_key() == key
        ]
        left_out.extend(f for f in members if f not in kept)
        drafts.append(TableDraft(root=root, files=kept, depth=common))
    return drafts, left_out


def partition_spec(draft: TableDraft) -> tuple[list[str], dict[tuple[str, ...], list[CrawledFile]]]:
    """The partition key names of a draft and its files grouped by partition values."""
    start = len(draft.root)
    names: list[str] = []
    for level in range(draft.depth):
        folders = {f.folders[start + level] for f in draft.files}
        matches = [_HIVE_FOLDER.match(name) for name in folders]
        hive_keys = {m.group(1).lower() for m in matches if m}
        if all(matches) and len(hive_keys) == 1:
            names.append(next(iter(hive_keys)))
        else:
            names.append(f"partition_{level}")
    # Hive keys that repeat across levels (a=1/a=2) would clash; fall back to positional names.
    if len(set(names)) != len(names):
        names = [f"partition_{i}" for i in range(draft.depth)]
    by_values: dict[tuple[str, ...], list[CrawledFile]] = {}
    for f in draft.files:
        values = []
        for level in range(draft.depth):
            folder = f.folders[start + level]
            match = _HIVE_FOLDER.match(folder)
            if match and not names[level].startswith("partition_"):
                values.append(unescape_path_value(match.group(2)))
            else:
                values.append(folder)
        by_values.setdefault(tuple(values), []).append(f)
    return names, by_values
