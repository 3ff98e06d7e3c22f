"""A trusted converter: attrs values ↔ plain JSON data, for values a store wrote itself.

Stored values were checked when they were written, so reading them back need not check
them again: for each attrs class the converter generates, once, a function that builds
the object from its stored fields without calling ``__init__`` (no validators, no
converters, no ``__attrs_post_init__``), and one that dumps it; both are derived from
``attrs.fields`` and compiled from generated source, as cattrs' own ``gen`` does, so a
field added to a class is stored and read without another line here.

How a value is stored comes from its type (``Decimal`` as text, dates and times in ISO
8601, enums by value, tuples and lists as lists, frozensets as sorted lists, bytes as base64, a
union of attrs classes as the object with its class name under ``"type"``, named tuples
as lists), from hooks registered per type (``TrustedConverter.register``), and, for the
rare field the storage spells differently, reads from elsewhere or leaves out, from a
``Stored`` rule: given to the converter by (class, field name), or in the field's attrs
metadata under ``STORED``.

Never for data from outside: nothing here checks a value against its class's rules.
Damaged data fails with the exception the generated code meets (KeyError, TypeError,
ValueError, decimal.InvalidOperation, ...): the caller turns it into its own error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import itertools
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

__all__ = ["STORED", "TAG", "Stored", "TrustedConverter"]

#: The attrs metadata key of a field's ``Stored`` rule.
STORED = "faktura.stored"
#: The key naming the class of a union member (``"type": "ProductLine"``).
TAG = "type"

#: No value: a key absent from stored data, a ``Stored`` rule without ``missing``.
_MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
_IDENTITY = (str, int, bool, float, type(None))
#: The slot attrs keeps a cached hash in (``cache_hash=True``): reset, as ``__init__`` does.
_HASH_CACHE = "_attrs_cached_hash"

Load = Callable[[Any], Any]
Dump = Callable[[Any], Any]


@attrs.frozen
class Stored:
    """How one field is stored, where its type alone does not say it.

    ``key``: the stored name (default: the field's ``__init__`` name, its attrs alias).
    ``read``: the attribute dumped (default: the field itself), e.g. a property that
    resolves a lazily read value. ``as_type``: the type it is stored as (default: the
    field's). ``missing``: its value when the key is absent (default: the field's
    default; a field without one is required). ``required``: the key must be there,
    though the field has a default. ``omit_default``: left out when it equals
    the field's default. ``last``: stored after the other fields (key order is kept).
    """

    key: str | None = None
    read: str | None = None
    as_type: Any = None
    missing: Any = _MISSING
    required: bool = False
    omit_default: bool = False
    last: bool = False


_PLAIN = Stored()


def _bytes(value: object) -> bytes:
    if not isinstance(value, str):
        raise TypeError("stored bytes must be base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"stored bytes are not valid base64: {exc}") from exc


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


class TrustedConverter:
    """Loaders and dumpers for attrs classes and the types their fields use, generated
    once per type and cached. ``rules`` are the ``Stored`` rules by (class, field
    name); ``as_lists`` are attrs classes stored as lists in field order (named tuples
    always are)."""

    def __init__(
        self,
        rules: Mapping[tuple[type, str], Stored] | None = None,
        as_lists: Iterable[type] = (),
    ) -> None:
        self._rules = dict(rules or {})
        self._as_lists = frozenset(as_lists)
        self._load_hooks: dict[Any, Load] = {}
        self._dump_hooks: dict[Any, Dump] = {}
        self._loaders: dict[Any, Load] = {}
        self._dumpers: dict[Any, Dump] = {}
        self._class_loaders: dict[tuple[type, frozenset[str]], Load] = {}
        self._class_dumpers: dict[tuple[type, frozenset[str]], Dump] = {}
        self._names = itertools.count()
        self.register(bytes, load=_bytes, dump=_b64)

    # -- the public side ------------------------------------------------------------------

    def register(self, cls: Any, *, load: Load | None = None, dump: Dump | None = None) -> None:
        """``load`` and ``dump`` for values of type ``cls`` (before its first use)."""
        if load is not None:
            self._load_hooks[cls] = load
        if dump is not None:
            self._dump_hooks[cls] = dump

    def loader(self, cls: Any) -> Load:
        """The function reading a stored value of type ``cls``."""
        found = self._loaders.get(cls)
        if found is None:
            found = self._loaders[cls] = self._make_loader(cls)
        return found

    def dumper(self, cls: Any) -> Dump:
        """The function writing a value of type ``cls`` as plain data."""
        found = self._dumpers.get(cls)
        if found is None:
            found = self._dumpers[cls] = self._make_dumper(cls)
        return found

    def class_loader(self, cls: type, omit: Iterable[str] = ()) -> Load:
        """The generated loader of attrs class ``cls``, its hook (if any) left aside: for
        a hook that wraps it. The fields ``omit`` are neither read nor set: the caller
        sets them."""
        key = (cls, frozenset(omit))
        found = self._class_loaders.get(key)
        if found is None:
            found = self._class_loaders[key] = self._gen_class_loader(cls, key[1])
        return found

    def class_dumper(self, cls: type, omit: Iterable[str] = ()) -> Dump:
        """The generated dumper of attrs class ``cls`` without the fields ``omit``, its
        hook (if any) left aside."""
        key = (cls, frozenset(omit))
        found = self._class_dumpers.get(key)
        if found is None:
            found = self._class_dumpers[key] = self._gen_class_dumper(cls, key[1])
        return found

    # -- per type -------------------------------------------------------------------------

    def _make_loader(self, cls: Any) -> Load:
        hook = self._load_hooks.get(cls)
        if hook is not None:
            return hook
        if cls in _IDENTITY or cls is Any:
            return _identity
        if cls is Decimal:
            return Decimal
        if cls is dt.datetime:
            return dt.datetime.fromisoformat
        if cls is dt.date:
            return dt.date.fromisoformat
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            return {member.value: member for member in cls}.__getitem__
        if _is_list_class(cls, self._as_lists):
            return self._gen_list_loader(cls)
        if attrs.has(cls):
            return self.class_loader(cls)
        origin, args = typing.get_origin(cls), typing.get_args(cls)
        if origin in (typing.Union, types.UnionType):
            return self._union_loader(args)
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            item = self.loader(args[0])
            return tuple if item is _identity else lambda v: tuple(map(item, v))
        if origin is list:
            item = self.loader(args[0])
            return list if item is _identity else lambda v: list(map(item, v))
        if origin is frozenset:
            item = self.loader(args[0])
            return lambda v: frozenset(map(item, v))
        if origin in (dict, Mapping, typing.Mapping) and all(a in _IDENTITY for a in args):
            return dict
        raise TypeError(f"no stored form for {cls!r}")

    def _make_dumper(self, cls: Any) -> Dump:
        hook = self._dump_hooks.get(cls)
        if hook is not None:
            return hook
        if cls in _IDENTITY or cls is Any:
            return _identity
        if cls is Decimal:
            return str
        if cls is dt.datetime or cls is dt.date:
            return _isoformat
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            return _value
        if _is_list_class(cls, self._as_lists):
            return self._gen_list_dumper(cls)
        if attrs.has(cls):
            return self.class_dumper(cls)
        origin, args = typing.get_origin(cls), typing.get_args(cls)
        if origin in (typing.Union, types.UnionType):
            return self._union_dumper(args)
        if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
            item = self.dumper(args[0])
            return list if item is _identity else lambda v: list(map(item, v))
        if origin is frozenset:
            item = self.dumper(args[0])
            return lambda v: sorted(map(item, v))
        if origin in (dict, Mapping, typing.Mapping) and all(a in _IDENTITY for a in args):
            return dict
        raise TypeError(f"no stored form for {cls!r}")

    def _union_loader(self, args: tuple[Any, ...]) -> Load:
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:  # X | None
            item = self.loader(members[0])
            if item is _identity:
                return _identity
            return lambda v: None if v is None else item(v)
        if not all(attrs.has(m) for m in members):
            raise TypeError(f"no stored form for the union of {args!r}")
        by_tag = {m.__name__: self.loader(m) for m in members}
        if len(members) < len(args):
            return lambda v: None if v is None else by_tag[v[TAG]](v)
        return lambda v: by_tag[v[TAG]](v)

    def _union_dumper(self, args: tuple[Any, ...]) -> Dump:
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:  # X | None
            item = self.dumper(members[0])
            if item is _identity:
                return _identity
            return lambda v: None if v is None else item(v)
        if not all(attrs.has(m) for m in members):
            raise TypeError(f"no stored form for the union of {args!r}")
        by_class = {m: self.dumper(m) for m in members}

        def tagged(value: Any) -> Any:
            if value is None:
                return None
            cls = value.__class__
            data = by_class[cls](value)
            data[TAG] = cls.__name__
            return data

        return tagged

    # -- generated per class -------------------------------------------------------------

    def _rule(self, cls: type, field: attrs.Attribute[Any]) -> Stored:
        rule = field.metadata.get(STORED)
        if isinstance(rule, Stored):
            return rule
        return self._rules.get((cls, field.name), _PLAIN)

    def _name(self, namespace: dict[str, Any], value: Any) -> str:
        name = f"_g{next(self._names)}"
        namespace[name] = value
        return name

    def _gen_class_loader(self, cls: type, omit: frozenset[str]) -> Load:
        attrs.resolve_types(cls)
        ns: dict[str, Any] = {"_new": object.__new__, "_put": object.__setattr__, "_cls": cls}
        ns["_MISSING"] = _MISSING
        lines = ["def load(d):"]
        values: list[tuple[str, str]] = []
        for n, field in enumerate(attrs.fields(cls)):
            if field.name in omit:
                continue
            rule = self._rule(cls, field)
            key = rule.key or field.alias
            load = self.loader(rule.as_type or field.type)
            convert = "v" if load is _identity else f"{self._name(ns, load)}(v)"
            default = rule.missing if rule.missing is not _MISSING else field.default
            if default is attrs.NOTHING or rule.required:
                lines.append(f"    v = d[{key!r}]")
                lines.append(f"    f{n} = {convert}")
            else:
                if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                    if default.takes_self:
                        raise TypeError(f"{cls.__name__}.{field.name}: a default of self")
                    made = f"{self._name(ns, default.factory)}()"
                else:
                    made = self._name(ns, default)
                lines.append(f"    v = d.get({key!r}, _MISSING)")
                lines.append(f"    f{n} = {made} if v is _MISSING else {convert}")
            values.append((field.name, f"f{n}"))
        lines.append("    o = _new(_cls)")
        if not _slotted(cls):  # one update of its __dict__
            items = ", ".join(f"{name!r}: {value}" for name, value in values)
            lines.append(f"    o.__dict__.update({{{items}}})")
        else:
            lines.extend(f"    _put(o, {name!r}, {value})" for name, value in values)
        if _caches_hash(cls):
            lines.append(f"    _put(o, {_HASH_CACHE!r}, None)")
        lines.append("    return o")
        return _compiled(lines, ns, f"load_{cls.__qualname__}")

    def _gen_class_dumper(self, cls: type, omit: frozenset[str]) -> Dump:
        attrs.resolve_types(cls)
        ns: dict[str, Any] = {}
        fields = [
            (field, self._rule(cls, field)) for field in attrs.fields(cls) if field.name not in omit
        ]
        fields.sort(key=lambda pair: pair[1].last)  # stable: the rest keep their order
        lines = ["def dump(o):"]
        entries: list[str] = []  # the dict display, then one statement per omissible field
        later: list[str] = []
        for n, (field, rule) in enumerate(fields):
            key = rule.key or field.alias
            dump = self.dumper(rule.as_type or field.type)
            lines.append(f"    f{n} = o.{rule.read or field.name}")
            value = f"f{n}" if dump is _identity else f"{self._name(ns, dump)}(f{n})"
            if rule.omit_default:
                if field.default is None:
                    test = f"f{n} is not None"
                else:
                    test = f"f{n} != {self._name(ns, field.default)}"
                later.append(f"    if {test}:")
                later.append(f"        d[{key!r}] = {value}")
            elif later:
                later.append(f"    d[{key!r}] = {value}")
            else:
                entries.append(f"{key!r}: {value}")
        lines.append(f"    d = {{{', '.join(entries)}}}")
        lines.extend(later)
        lines.append("    return d")
        return _compiled(lines, ns, f"dump_{cls.__qualname__}")

    def _list_fields(self, cls: type) -> list[tuple[str, Any]]:
        if attrs.has(cls):
            attrs.resolve_types(cls)
            return [(field.name, field.type) for field in attrs.fields(cls)]
        hints = typing.get_type_hints(cls)
        return [(name, hints[name]) for name in cls._fields]  # type: ignore[attr-defined]

    def _gen_list_loader(self, cls: type) -> Load:
        fields = self._list_fields(cls)
        ns: dict[str, Any] = {"_new": object.__new__, "_put": object.__setattr__, "_cls": cls}
        names = [f"f{n}" for n in range(len(fields))]
        lines = ["def load(v):", f"    {', '.join(names)}{',' if len(names) == 1 else ''} = v"]
        values = []
        for name, (_, type_) in zip(names, fields, strict=True):
            load = self.loader(type_)
            values.append(name if load is _identity else f"{self._name(ns, load)}({name})")
        if attrs.has(cls):
            lines.append("    o = _new(_cls)")
            lines.extend(
                f"    _put(o, {field!r}, {value})"
                for (field, _), value in zip(fields, values, strict=True)
            )
            if _caches_hash(cls):
                lines.append(f"    _put(o, {_HASH_CACHE!r}, None)")
            lines.append("    return o")
        else:  # a named tuple: tuple.__new__ skips its Python-level __new__
            ns["_tuple_new"] = tuple.__new__
            lines.append(f"    return _tuple_new(_cls, ({', '.join(values)},))")
        return _compiled(lines, ns, f"load_{cls.__qualname__}")

    def _gen_list_dumper(self, cls: type) -> Dump:
        fields = self._list_fields(cls)
        ns: dict[str, Any] = {}
        values = []
        for n, (name, type_) in enumerate(fields):
            read = f"o.{name}" if attrs.has(cls) else f"o[{n}]"
            dump = self.dumper(type_)
            values.append(read if dump is _identity else f"{self._name(ns, dump)}({read})")
        lines = ["def dump(o):", f"    return [{', '.join(values)}]"]
        return _compiled(lines, ns, f"dump_{cls.__qualname__}")


def _identity(value: Any) -> Any:
    return value


def _isoformat(value: dt.date) -> str:
    return value.isoformat()


def _value(member: enum.Enum) -> Any:
    return member.value


def _is_list_class(cls: Any, as_lists: frozenset[type]) -> bool:
    return cls in as_lists or (
        isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")
    )


def _slotted(cls: type) -> bool:
    return "__slots__" in vars(cls)


def _caches_hash(cls: type) -> bool:
    code = getattr(cls.__hash__, "__code__", None)
    return code is not None and _HASH_CACHE in code.co_names


def _compiled(lines: list[str], namespace: dict[str, Any], name: str) -> Callable[[Any], Any]:
    source = "\n".join(lines)
    code = compile(source, f"<trusted {name}>", "exec")
    exec(code, namespace)  # the source is generated above, from attrs.fields
    function: Callable[[Any], Any] = namespace[lines[0][4:].split("(")[0]]
    function.__name__ = function.__qualname__ = name.replace(".", "_")
    return function
