"""Rewriting a parsed Athena (Trino) query into the DuckDB query the engine runs.

The rewrite binds every table reference to a relation the engine registered (through a
:class:`Binder`), keeps the name or alias columns are qualified with, drops catalog and
database qualifiers from column references, folds unquoted identifiers to lower case (Trino's
rule, which also gives result columns Trino's names), makes ``/`` integer division when both
sides are integers (Trino's semantics; DuckDB's ``/`` always divides exactly), maps the few
functions sqlglot leaves unmapped, and names unnamed result columns ``_col0``, ``_col1``, ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlglot import exp

__all__ = ["Binding", "OutputNames", "Rewrite", "partition_hints", "rewrite_query"]

_INT_TYPES = {"tinyint", "smallint", "int", "integer", "bigint"}
_INT_DATATYPES = {
    exp.DataType.Type.TINYINT,
    exp.DataType.Type.SMALLINT,
    exp.DataType.Type.INT,
    exp.DataType.Type.BIGINT,
}
_PLACEHOLDER = "__hwcol_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Binding:
    """A registered relation standing for one table reference."""

    relation: str
    columns: Mapping[str, str]


Binder = Callable[[exp.Table, Mapping[str, frozenset[str]]], Binding]


@dataclass(slots=True)
class OutputNames:
    """How to name the result columns after execution.

    ``fixed`` are names decided from the projections (``None`` where a ``*`` expands);
    placeholders (``__hwcol_<i>``) become ``_col<position>`` once positions are known.
    """

    fixed: list[str | None] = field(default_factory=list)

    def apply(self, names: list[str]) -> list[str]:
        """Final names for the columns DuckDB returned (``names``)."""
        out = []
        for position, name in enumerate(names):
            out.append(f"_col{position}" if name.startswith(_PLACEHOLDER) else name)
        return out


@dataclass(slots=True)
class Rewrite:
    """The rewritten query and what it read."""

    expression: exp.Expression
    bindings: list[Binding]
    output: OutputNames


def _cte_names(root: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in root.find_all(exp.CTE)}


def partition_hints(table: exp.Table) -> dict[str, frozenset[str]]:
    """``column -> allowed values`` from ``col = 'v'`` / ``col IN (...)`` conjuncts.

    Only predicates of the ``WHERE`` of the SELECT that reads ``table`` directly count, and only
    on columns unqualified or qualified with the table's name or alias.
    """
    select = table.find_ancestor(exp.Select)
    where = select.args.get("where") if select is not None else None
    if where is None:
        return {}
    names = {table.alias_or_name.lower(), table.name.lower()}
    hints: dict[str, frozenset[str]] = {}

    def column_of(node: exp.Expression) -> str | None:
        if isinstance(node, exp.Column) and (not node.table or node.table.lower() in names):
            return node.name.lower()
        return None

    def literal(node: exp.Expression) -> str | None:
        return str(node.this) if isinstance(node, exp.Literal) else None

    for conj in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
        if isinstance(conj, exp.EQ):
            col, value = column_of(conj.this), literal(conj.expression)
            if col is None:
                col, value = column_of(conj.expression), literal(conj.this)
            if col is not None and value is not None:
                hints[col] = hints.get(col, frozenset({value})) & frozenset({value})
        elif isinstance(conj, exp.In) and not conj.args.get("query"):
            col = column_of(conj.this)
            values = [literal(v) for v in conj.expressions]
            if col is not None and values and all(v is not None for v in values):
                allowed = frozenset(v for v in values if v is not None)
                hints[col] = hints.get(col, allowed) & allowed
    return hints


def _is_int(node: exp.Expression, types: Mapping[str, str]) -> bool:
    if isinstance(node, exp.Paren):
        return _is_int(node.this, types)
    if isinstance(node, exp.Literal):
        return not node.is_string and node.this.lstrip("-").isdigit()
    if isinstance(node, exp.Neg):
        return _is_int(node.this, types)
    if isinstance(node, exp.Cast | exp.TryCast):
        to = node.args.get("to")
        return isinstance(to, exp.DataType) and to.this in _INT_DATATYPES
    if isinstance(node, exp.Count):
        return True
    if isinstance(node, exp.Sum | exp.Min | exp.Max):
        return _is_int(node.this, types)
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Mod):
        return _is_int(node.this, types) and _is_int(node.expression, types)
    if isinstance(node, exp.Column):
        t = types.get(node.name.lower())
        return t is not None and t.lower() in _INT_TYPES
    return False


_DAY_UNITS = {"DAY", "DAYS", "WEEK", "WEEKS", "MONTH", "MONTHS", "QUARTER", "YEAR", "YEARS"}


def _unit(node: exp.Expr) -> str:
    unit = node.args.get("unit")
    if unit is None and isinstance(node.expression, exp.Interval):
        unit = node.expression.args.get("unit")
    return unit.name.upper() if isinstance(unit, exp.Expression) else str(unit or "").upper()


def _is_date(node: exp.Expression, types: Mapping[str, str]) -> bool:
    if isinstance(node, exp.Paren):
        return _is_date(node.this, types)
    if isinstance(node, exp.Cast | exp.TryCast):
        to = node.args.get("to")
        return isinstance(to, exp.DataType) and to.this == exp.DataType.Type.DATE
    if isinstance(node, exp.CurrentDate | exp.Date | exp.StrToDate):
        return True
    if isinstance(node, exp.DateAdd | exp.DateSub):
        return _is_date(node.this, types) and _unit(node) in _DAY_UNITS
    if isinstance(node, exp.Column):
        return (types.get(node.name.lower()) or "").lower() == "date"
    return False


def _keep_dates(root: exp.Expression, types: Mapping[str, str]) -> None:
    """Trino's date_add on a date stays a date; DuckDB's date + interval is a timestamp."""
    candidates: list[exp.Expr] = [
        *root.find_all(exp.DateAdd, exp.DateSub),
        *root.find_all(exp.Add, exp.Sub),
    ]
    for node in candidates:
        if isinstance(node, exp.Add | exp.Sub) and not isinstance(node.expression, exp.Interval):
            continue
        if _is_date(node.this, types) and _unit(node) in _DAY_UNITS:
            node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("DATE")))


def _fix_functions(root: exp.Expression) -> None:
    # Trino's format() takes Java's %-patterns; DuckDB's format() takes {}, its printf() %.
    for node in list(root.find_all(exp.Anonymous)):
        if str(node.this).lower() == "format":
            node.set("this", "printf")
    for fmt in list(root.find_all(exp.Format)):
        pattern = fmt.this
        args = [a.copy() for a in fmt.expressions or []]
        specs = re.findall(r"%[-#+ 0,(]*\d*(?:\.\d+)?([a-zA-Z%])", str(pattern.this))
        if isinstance(pattern, exp.Literal) and set(specs) <= {"s", "%"}:
            # Java's %s prints any value; DuckDB's printf %s wants text.
            args = [exp.Cast(this=a, to=exp.DataType.build("VARCHAR")) for a in args]
        fmt.replace(exp.Anonymous(this="printf", expressions=[pattern.copy(), *args]))


def _lowercase_identifiers(root: exp.Expression) -> None:
    for ident in root.find_all(exp.Identifier):
        if not ident.quoted and isinstance(ident.parent, exp.Column | exp.Alias | exp.TableAlias):
            ident.set("this", ident.this.lower())


def _name_outputs(query: exp.Expression) -> OutputNames:
    select = query
    while isinstance(select, exp.SetOperation):
        select = select.this
    if isinstance(select, exp.Subquery):
        select = select.this
    names = OutputNames()
    if not isinstance(select, exp.Select):
        return names
    projections = select.expressions
    for index, projection in enumerate(projections):
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            names.fixed.append(None)
            continue
        if isinstance(projection, exp.Alias):
            names.fixed.append(projection.alias)
            continue
        if isinstance(projection, exp.Column):
            names.fixed.append(projection.name)
            continue
        if isinstance(projection, exp.Dot) and isinstance(projection.expression, exp.Identifier):
            names.fixed.append(projection.expression.name)
            continue
        alias = f"{_PLACEHOLDER}{index}"
        projection.replace(exp.alias_(projection.copy(), alias, quoted=True))
        names.fixed.append(alias)
    return names


def rewrite_query(query: exp.Expression, bind: Binder) -> Rewrite:
    """Rewrite ``query`` in place (a copy is advisable) and return it with its bindings."""
    ctes = _cte_names(query)
    bindings: list[Binding] = []
    types: dict[str, str] = {}
    for table in list(query.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            continue
        if not table.db and table.name.lower() in ctes:
            continue
        binding = bind(table, partition_hints(table))
        bindings.append(binding)
        for col, t in binding.columns.items():
            types.setdefault(col, t)
        alias = table.args.get("alias")
        if alias is None:
            alias = exp.TableAlias(this=exp.to_identifier(table.name.lower()))
        replacement = exp.Table(this=exp.to_identifier(binding.relation, quoted=True), alias=alias)
        table.replace(replacement)
    for column in query.find_all(exp.Column):
        # ``db.t.col`` and ``catalog.db.t.col``: the relation is known by its name or alias only.
        for part in ("db", "catalog"):
            if column.args.get(part) is not None:
                column.set(part, None)
    _lowercase_identifiers(query)
    for div in list(query.find_all(exp.Div)):
        if _is_int(div.this, types) and _is_int(div.expression, types):
            div.replace(exp.IntDiv(this=div.this.copy(), expression=div.expression.copy()))
    _keep_dates(query, types)
    _fix_functions(query)
    output = _name_outputs(query)
    return Rewrite(expression=query, bindings=bindings, output=output)
