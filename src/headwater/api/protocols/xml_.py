"""XML elements <-> shapes, for the Query and REST-XML protocols."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from botocore.model import Shape

from headwater.api.protocols._scalars import (
    decode_blob,
    encode_blob,
    format_timestamp,
    parse_bool,
    parse_number,
    parse_timestamp,
)

__all__ = ["parse_element", "parse_text", "serialize_element", "strip_ns", "to_bytes"]

_INTEGERS = ("integer", "long", "short", "byte")
_FLOATS = ("float", "double", "bigdecimal")


def strip_ns(tag: str) -> str:
    """Drop the ``{namespace}`` part of an element tag."""
    return tag.rsplit("}", 1)[-1]


def parse_text(shape: Shape, text: str, path: str) -> Any:
    """Convert the text form of a scalar (XML, query string, header) into its value."""
    kind = shape.type_name
    if kind == "string":
        return text
    if kind in _INTEGERS:
        return parse_number(text.strip(), True, path)
    if kind in _FLOATS:
        return parse_number(text.strip(), False, path)
    if kind == "boolean":
        return parse_bool(text.strip(), path)
    if kind == "timestamp":
        return parse_timestamp(text, path)
    if kind == "blob":
        return decode_blob(text, path)
    return text


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if strip_ns(c.tag) == name]


def parse_element(shape: Shape, elem: ET.Element, path: str) -> Any:
    """Convert an XML element into the Python value of ``shape``."""
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            ser = member.serialization
            if ser.get("location"):
                continue
            wire = ser.get("name", name)
            sub = f"{path}.{name}" if path else name
            if ser.get("xmlAttribute"):
                for key, val in elem.attrib.items():
                    if strip_ns(key) == strip_ns(wire).split(":")[-1]:
                        out[name] = parse_text(member, val, sub)
                continue
            if member.type_name == "list" and ser.get("flattened"):
                items = _children(elem, wire)
                if items:
                    out[name] = [
                        parse_element(member.member, c, f"{sub}.{i + 1}.member")
                        for i, c in enumerate(items)
                    ]
                continue
            if member.type_name == "map" and ser.get("flattened"):
                items = _children(elem, wire)
                if items:
                    out[name] = _parse_map_entries(member, items, sub)
                continue
            found = _children(elem, wire)
            if found:
                out[name] = parse_element(member, found[0], sub)
        return out
    if kind == "list":
        item_name = shape.member.serialization.get("name", "member")
        return [
            parse_element(shape.member, c, f"{path}.{i + 1}.member")
            for i, c in enumerate(_children(elem, item_name))
        ]
    if kind == "map":
        return _parse_map_entries(shape, _children(elem, "entry"), path)
    return parse_text(shape, elem.text or "", path)


def _parse_map_entries(shape: Shape, entries: list[ET.Element], path: str) -> dict[str, Any]:
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    out: dict[str, Any] = {}
    for entry in entries:
        keys = _children(entry, key_name)
        values = _children(entry, value_name)
        if not keys:
            continue
        key = keys[0].text or ""
        out[key] = parse_element(shape.value, values[0], f"{path}.{key}") if values else None
    return out


def serialize_element(
    shape: Shape, value: Any, name: str, *, timestamp_format: str, namespace: str | None = None
) -> ET.Element:
    """Build the XML element ``name`` holding ``value`` of ``shape``."""
    elem = ET.Element(name)
    if namespace:
        elem.set("xmlns", namespace)
    _fill(elem, shape, value, timestamp_format)
    return elem


def _fill(elem: ET.Element, shape: Shape, value: Any, tsf: str) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            elem.text = _text(shape, value, tsf)
            return
        for mname, member in shape.members.items():
            if mname not in value or value[mname] is None:
                continue
            ser = member.serialization
            if ser.get("location"):
                continue
            wire = ser.get("name", mname)
            item = value[mname]
            if ser.get("xmlAttribute"):
                elem.set(wire, _text(member, item, tsf))
                continue
            if member.type_name == "list" and ser.get("flattened"):
                for v in item:
                    child = ET.SubElement(elem, wire)
                    _fill(child, member.member, v, tsf)
                continue
            if member.type_name == "map" and ser.get("flattened"):
                for k, v in item.items():
                    entry = ET.SubElement(elem, wire)
                    _map_entry(entry, member, k, v, tsf)
                continue
            child = ET.SubElement(elem, wire)
            ns = ser.get("xmlNamespace")
            if isinstance(ns, dict) and ns.get("uri"):
                prefix = ns.get("prefix")
                child.set(f"xmlns:{prefix}" if prefix else "xmlns", ns["uri"])
            _fill(child, member, item, tsf)
        return
    if kind == "list":
        item_name = shape.member.serialization.get("name", "member")
        for v in value:
            child = ET.SubElement(elem, item_name)
            _fill(child, shape.member, v, tsf)
        return
    if kind == "map":
        for k, v in value.items():
            entry = ET.SubElement(elem, "entry")
            _map_entry(entry, shape, k, v, tsf)
        return
    elem.text = _text(shape, value, tsf)


def _map_entry(entry: ET.Element, shape: Shape, key: Any, value: Any, tsf: str) -> None:
    k = ET.SubElement(entry, shape.key.serialization.get("name", "key"))
    k.text = str(key)
    v = ET.SubElement(entry, shape.value.serialization.get("name", "value"))
    _fill(v, shape.value, value, tsf)


def _text(shape: Shape, value: Any, tsf: str) -> str:
    kind = shape.type_name
    if kind == "boolean" or isinstance(value, bool):
        return "true" if value else "false"
    if kind == "timestamp":
        return str(format_timestamp(value, shape.serialization.get("timestampFormat", tsf)))
    if kind == "blob":
        if hasattr(value, "read_bytes"):
            value = value.read_bytes()
        return encode_blob(value)
    if kind in _FLOATS and isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


def to_bytes(elem: ET.Element) -> bytes:
    """Serialize an element with the XML declaration AWS sends."""
    body = ET.tostring(elem, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()
