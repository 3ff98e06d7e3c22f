"""The trusted converter: loaders and dumpers generated from ``attrs.fields``.

Checked on classes of its own, not faktura's: every field kind round-trips, loading
runs no check of the class, a field added to a class is stored without another line,
and the ``Stored`` rules (given to the converter or in a field's metadata) say where
the storage differs from the type.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.storage.trusted import STORED, Stored, TrustedConverter

CHECKED: list[str] = []  # the classes whose checks ran


def noted(instance: object, attribute: attrs.Attribute[object], value: object) -> None:
    CHECKED.append(type(instance).__name__)


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen
class Leaf:
    name: str = attrs.field(validator=noted)
    size: int = 0


@attrs.frozen
class Other:
    text: str


@attrs.frozen(cache_hash=True)
class Hashed:
    key: str


@attrs.frozen
class Pair:
    left: Decimal
    right: Decimal | None


@attrs.frozen
class Everything:
    amount: Decimal
    day: dt.date
    at: dt.datetime
    colour: Colour
    blob: bytes
    leaf: Leaf
    maybe: Leaf | None
    leaves: tuple[Leaf, ...]
    mixed: tuple[Leaf | Other, ...]
    colours: frozenset[Colour]
    tags: Mapping[str, str]
    quantities: tuple[Decimal | None, ...]
    pair: Pair
    hashed: Hashed
    flag: bool = False
    note: str | None = None
    extra: tuple[str, ...] = attrs.field(factory=tuple)

    def __attrs_post_init__(self) -> None:
        CHECKED.append("Everything")


@attrs.define
class Mutable:
    count: int
    names: list[str] = attrs.field(factory=list)


decimals = st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**9)
leaves = st.builds(Leaf, st.text(), st.integers())
everything = st.builds(
    Everything,
    amount=decimals,
    day=st.dates(),
    at=st.datetimes(timezones=st.just(dt.UTC)),
    colour=st.sampled_from(Colour),
    blob=st.binary(),
    leaf=leaves,
    maybe=st.none() | leaves,
    leaves=st.lists(leaves, max_size=3).map(tuple),
    mixed=st.lists(leaves | st.builds(Other, st.text()), max_size=3).map(tuple),
    colours=st.frozensets(st.sampled_from(Colour)),
    tags=st.dictionaries(st.text(), st.text(), max_size=3),
    quantities=st.lists(st.none() | decimals, max_size=3).map(tuple),
    pair=st.builds(Pair, decimals, st.none() | decimals),
    hashed=st.builds(Hashed, st.text()),
    flag=st.booleans(),
    note=st.none() | st.text(),
    extra=st.lists(st.text(), max_size=2).map(tuple),
)


@given(everything)
def test_every_kind_of_field_reads_back_as_written(value: Everything) -> None:
    conv = TrustedConverter()
    text = json.dumps(conv.dumper(Everything)(value))  # plain JSON data
    del CHECKED[:]
    read = conv.loader(Everything)(json.loads(text))
    assert read == value
    assert hash(read.hashed) == hash(value.hashed)  # the cached hash is reset, not missing
    assert CHECKED == []  # nor a validator nor __attrs_post_init__ ran


def test_types_are_stored_as_text_lists_and_values() -> None:
    conv = TrustedConverter()
    at = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)
    value = Everything(
        amount=Decimal("1.50"),
        day=at.date(),
        at=at,
        colour=Colour.BLUE,
        blob=b"\x00\xff",
        leaf=Leaf("a"),
        maybe=None,
        leaves=(Leaf("b", 2),),
        mixed=(Other("c"), Leaf("d")),
        colours=frozenset({Colour.RED, Colour.BLUE}),
        tags={"k": "v"},
        quantities=(None, Decimal("2")),
        pair=Pair(Decimal("3"), None),
        hashed=Hashed("h"),
    )
    assert conv.dumper(Everything)(value) == {
        "amount": "1.50",
        "day": "2026-12-07",
        "at": "2026-12-07T09:30:00+00:00",
        "colour": "blue",
        "blob": "AP8=",
        "leaf": {"name": "a", "size": 0},
        "maybe": None,
        "leaves": [{"name": "b", "size": 2}],
        "mixed": [{"text": "c", "type": "Other"}, {"name": "d", "size": 0, "type": "Leaf"}],
        "colours": ["blue", "red"],
        "tags": {"k": "v"},
        "quantities": [None, "2"],
        "pair": {"left": "3", "right": None},
        "hashed": {"key": "h"},
        "flag": False,
        "note": None,
        "extra": [],
    }


def test_a_key_absent_is_the_default_and_a_required_one_an_error() -> None:
    conv = TrustedConverter()
    assert conv.loader(Leaf)({"name": "x"}) == Leaf("x", 0)
    first, second = (conv.loader(Mutable)({"count": 1}) for _ in range(2))
    assert first.names == []
    assert first.names is not second.names  # a factory per value
    with pytest.raises(KeyError, match="name"):
        conv.loader(Leaf)({"size": 3})


def test_rules_rename_omit_and_default_what_the_storage_spells_otherwise() -> None:
    @attrs.frozen
    class Row:
        id: str
        kind: str = attrs.field(default="new", metadata={STORED: Stored(missing="old")})
        note: str | None = attrs.field(default=None, metadata={STORED: Stored(omit_default=True)})
        first: int = 0
        _secret: str = "s"

    conv = TrustedConverter({(Row, "first"): Stored(key="1st", last=True)})
    assert conv.dumper(Row)(Row("r")) == {"id": "r", "kind": "new", "secret": "s", "1st": 0}
    assert conv.dumper(Row)(Row("r", note="n"))["note"] == "n"
    assert conv.loader(Row)({"id": "r"}) == Row("r", "old")  # stored before kinds were
    assert conv.loader(Row)({"id": "r", "1st": 5, "secret": "t"}) == Row(
        "r", "old", first=5, secret="t"
    )
    required = TrustedConverter({(Row, "first"): Stored(required=True)})
    with pytest.raises(KeyError, match="first"):
        required.loader(Row)({"id": "r"})
    partial = conv.class_loader(Row, omit=("kind",))({"id": "r"})
    assert not hasattr(partial, "kind")  # left for the caller to set
    assert conv.class_dumper(Row, omit=("kind", "note"))(Row("r")) == {
        "id": "r",
        "secret": "s",
        "1st": 0,
    }


def test_a_field_added_to_a_class_is_stored_without_another_line() -> None:
    @attrs.frozen
    class Before:
        id: str

    @attrs.frozen
    class After:
        id: str
        added: Decimal = Decimal(0)

    conv = TrustedConverter()
    stored = conv.dumper(Before)(Before("x"))
    assert conv.loader(After)(stored) == After("x")  # written before the field was
    assert conv.loader(After)(conv.dumper(After)(After("x", Decimal(2)))) == After("x", Decimal(2))


def test_hooks_and_list_classes() -> None:
    conv = TrustedConverter(as_lists=(Pair,))
    conv.register(Other, load=lambda text: Other(text.upper()), dump=lambda other: other.text)
    assert conv.dumper(Pair)(Pair(Decimal(1), None)) == ["1", None]
    assert conv.loader(Pair)(["1", "2"]) == Pair(Decimal(1), Decimal(2))
    assert conv.dumper(tuple[Other, ...])((Other("a"),)) == ["a"]
    assert conv.loader(Other | None)("b") == Other("B")
    with pytest.raises(ValueError, match="unpack"):
        conv.loader(Pair)(["1"])


@pytest.mark.parametrize("data", ["AP8", 7, "not base64!"])
def test_damaged_bytes_are_an_error(data: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        TrustedConverter().loader(bytes)(data)


def test_a_type_without_a_stored_form_is_refused_when_generated() -> None:
    with pytest.raises(TypeError, match="no stored form"):
        TrustedConverter().loader(complex)
    with pytest.raises(TypeError, match="no stored form"):
        TrustedConverter().dumper(int | str)
