"""The AWS Query protocol: form-encoded requests (``Action=...``) into shapes."""

from __future__ import annotations

from typing import Any

from botocore.model import Shape

from headwater.api.protocols.xml_ import parse_text

__all__ = ["parse_form"]


def parse_form(shape: Shape, form: dict[str, str]) -> dict[str, Any]:
    """Parse flattened query parameters (``Tags.member.1.Key=...``) into ``shape``."""
    keys = sorted(form)
    out = _parse(shape, form, keys, "", "")
    return out if isinstance(out, dict) else {}


def _has(keys: list[str], prefix: str) -> bool:
    dotted = prefix + "."
    return any(k == prefix or k.startswith(dotted) for k in keys)


def _parse(shape: Shape, form: dict[str, str], keys: list[str], prefix: str, path: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            key = f"{prefix}.{wire}" if prefix else wire
            sub = f"{path}.{name}" if path else name
            if member.type_name in ("structure", "list", "map"):
                if _has(keys, key):
                    out[name] = _parse(member, form, keys, key, sub)
            elif key in form:
                out[name] = parse_text(member, form[key], sub)
        return out
    if kind == "list":
        if form.get(prefix) == "":
            return []
        if shape.serialization.get("flattened"):
            base = prefix
        else:
            base = f"{prefix}.{shape.member.serialization.get('name', 'member')}"
        items: list[Any] = []
        i = 1
        while True:
            key = f"{base}.{i}"
            if shape.member.type_name in ("structure", "list", "map"):
                if not _has(keys, key):
                    break
                items.append(_parse(shape.member, form, keys, key, f"{path}.{i}.member"))
            else:
                if key not in form:
                    break
                items.append(parse_text(shape.member, form[key], f"{path}.{i}.member"))
            i += 1
        return items
    if kind == "map":
        base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        result: dict[str, Any] = {}
        i = 1
        while f"{base}.{i}.{key_name}" in form:
            k = form[f"{base}.{i}.{key_name}"]
            vkey = f"{base}.{i}.{value_name}"
            if shape.value.type_name in ("structure", "list", "map"):
                result[k] = _parse(shape.value, form, keys, vkey, f"{path}.{k}")
            elif vkey in form:
                result[k] = parse_text(shape.value, form[vkey], f"{path}.{k}")
            i += 1
        return result
    return parse_text(shape, form.get(prefix, ""), path)
