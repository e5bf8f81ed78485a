"""The indented JSON the commands write is Python's own ``json.dumps(..., indent=2)`` text, byte for
byte (``optimizer.output.formats.indented_json`` only writes it faster): checked against the
standard library on random documents and on the documents of real commands."""

import json
import math
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.output.formats import INDENT_UP_TO, indented_json, to_json

ROOT = Path(__file__).resolve().parents[2]


def python_indented(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


plain = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**40), max_value=10**40)
         | st.floats(allow_nan=False, allow_infinity=False)
         | st.sampled_from([0.0, -0.0, 1e-7, 2.5e-05, 1e16, 1e22, 123456789.125, 5e-324])
         | st.text() | st.sampled_from(["", "é", "ün\u00efc\u00f6de €", "a\"b\\c", "tab\there", "line\nbreak",
                                          "\x00\x1f\x7f", "\ud800", "😀", "channels[email].max_spend"]))
keys = st.text() | st.sampled_from(["name", "é", "a\"b", ""])
odd_keys = st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.booleans() | st.none()
documents = st.recursive(
    plain,
    lambda inner: (st.lists(inner, max_size=6) | st.lists(inner, max_size=4).map(tuple)
                   | st.dictionaries(keys, inner, max_size=6)
                   | st.dictionaries(odd_keys, inner, max_size=3)),
    max_leaves=60)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_indented_json_is_pythons_text(data):
    assert indented_json(data) == python_indented(data)


def test_the_shapes_a_document_takes():
    """Empty and nested containers at every depth, flat lists of mappings, mixed containers, a
    top-level plain value, tuples, and values of subclasses (an enum's text, a bool among ints)."""
    from enum import Enum, IntEnum

    class Status(str, Enum):
        optimal = "optimal"

    class Level(IntEnum):
        high = 3

    cases = [
        {}, [], 0, "x", None, 1.5, [[]], [{}], {"a": {}}, {"a": []}, [[[[1]]]],
        {"a": 1, "b": [1, 2.5, None], "c": {"d": [], "e": {"f": True}}, "g": "h"},
        [{"name": "x", "units": 1.0}, {"name": "y", "units": 0.0, "metrics": {"leads": None}}],
        {"status": Status.optimal, "level": Level.high, "flags": (True, False, 0, 1)},
        {7: "int key", 2.5: "float key", True: "bool key", False: "false key", None: "null key"},
        {"deep": [{"a": [{"b": [{"c": [1, {"d": [2, [3, []]]}]}]}]}]},
    ]
    for data in cases:
        assert indented_json(data) == python_indented(data), data


def test_commands_documents_are_pythons_text():
    """Real documents: a plan, a validation and a sensitivity analysis (with ranges) as the
    commands build them, written by to_json exactly as Python's encoder would indent them."""
    from optimizer import load_scenario, optimize, sensitivity
    from optimizer.output.plan import understood
    from optimizer.output.whatif import sensitivity_json

    for name in ("b2b-annual-plan.yaml", "b2b-quarterly-plan.yaml", "b2b-tiered-search.yaml"):
        scenario = load_scenario(ROOT / "scenarios" / name)
        plan = optimize(scenario)
        for document in (plan.to_dict(), understood(scenario), json.loads(sensitivity_json(sensitivity(plan)))):
            assert to_json(document) == python_indented(document) + "\n"


def test_to_json_cleans_non_finite_numbers_then_indents():
    document = {"a": math.inf, "b": [math.nan, 1.0], "c": {"d": -math.inf}}
    assert to_json(document) == python_indented({"a": None, "b": [None, 1.0], "c": {"d": None}}) + "\n"


def test_a_large_document_stays_on_one_line():
    document = {"rows": [{"name": f"r{i}", "value": i / 7} for i in range(INDENT_UP_TO // 20)]}
    assert to_json(document) == json.dumps(document, ensure_ascii=False, allow_nan=False) + "\n"
