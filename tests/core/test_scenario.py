"""The scenario: loading, defaults, overrides, validation errors and the stable hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.core.errors import InputError
from sim.core.scenario import Scenario, fields

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "scenarios" / "baseline.toml"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- loading and defaults ---------------------------------------------------------------


def test_embedded_default_is_the_shipped_baseline_file():
    assert Scenario.default().resolved() == Scenario.load(BASELINE).resolved()
    assert Scenario.default().hash == Scenario.load(BASELINE).hash


def test_an_empty_file_gets_every_default(tmp_path):
    scenario = Scenario.load(write(tmp_path / "empty.toml", ""))
    assert scenario.resolved() == Scenario().resolved()


def test_load_reads_values_from_the_file(tmp_path):
    path = write(
        tmp_path / "s.toml",
        'name = "mine"\n[policy]\nintegration = "full"\ntraining_hours = 16\n[roles.sales]\ngaming_gain = 0.9\n',
    )
    scenario = Scenario.load(path)
    assert scenario.name == "mine"
    assert scenario.policy.integration == "full"
    assert scenario.policy.training_hours == 16.0
    assert scenario.roles.sales.gaming_gain == 0.9
    # untouched keys keep their defaults
    assert scenario.roles.service == Scenario().roles.service


def test_with_overrides_returns_a_changed_copy_and_leaves_the_original():
    base = Scenario.default()
    new = base.with_overrides({"policy.integration": "full", "org.employees": 60, "roles.partners.gaming_gain": -1})
    assert new.get("policy.integration") == "full"
    assert new.org.employees == 60
    assert new.roles.partners.gaming_gain == -1.0
    assert base.policy.integration == Scenario.default().policy.integration
    assert base.org.employees == Scenario.default().org.employees


def test_with_overrides_keeps_the_source_folder_for_relative_paths(tmp_path):
    scenario = Scenario.load(write(tmp_path / "s.toml", "")).with_overrides({"policy.mandate": 0.1})
    assert scenario.resolve_path("data/people.csv") == tmp_path.absolute() / "data" / "people.csv"
    assert scenario.resolve_path("/abs/people.csv") == Path("/abs/people.csv")


def test_fields_lists_every_dotted_key_with_a_description():
    info = fields()
    for key in ("run.seed", "org.employees", "policy.rollout", "roles.sales.gaming_gain", "learning.learn_rate"):
        assert key in info
    assert all(i.description for i in info.values())
    # every listed key can be read from a scenario
    defaults = Scenario.default()
    for key in info:
        defaults.get(key)


# --- validation errors ------------------------------------------------------------------


def load_error(tmp_path, text: str) -> InputError:
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(InputError) as info:
        Scenario.load(path)
    return info.value


def test_malformed_toml_names_the_file(tmp_path):
    err = load_error(tmp_path, "[policy\nrollout = ")
    assert err.source.endswith("bad.toml")
    assert "TOML" in str(err)
    assert "\n" not in str(err)


def test_unknown_key_in_a_file_names_the_field_and_the_allowed_keys(tmp_path):
    err = load_error(tmp_path, "[policy]\nfast = true\n")
    assert err.field == "policy.fast"
    assert "unknown key" in err.message
    for allowed in ("rollout", "integration", "training_hours"):
        assert allowed in err.message


def test_unknown_top_level_section_is_an_error(tmp_path):
    err = load_error(tmp_path, "[polcy]\nrollout = 'pilot'\n")
    assert err.field == "polcy"
    assert "policy" in err.message


def test_wrong_type_names_the_field_and_the_range(tmp_path):
    err = load_error(tmp_path, '[run]\nweeks = "ten"\n')
    assert err.field == "run.weeks"
    assert "'ten'" in err.message
    assert ">= 1" in err.message and "<= 2000" in err.message


def test_out_of_range_value_names_the_bounds(tmp_path):
    err = load_error(tmp_path, "[policy]\nsanctions = 2\n")
    assert err.field == "policy.sanctions"
    assert "got 2" in err.message
    assert ">= 0" in err.message and "<= 1" in err.message


def test_bad_enum_value_lists_the_allowed_values(tmp_path):
    err = load_error(tmp_path, '[policy]\nrollout = "fast"\n')
    assert err.field == "policy.rollout"
    for allowed in ("big_bang", "phased", "pilot"):
        assert allowed in err.message


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such scenario file"):
        Scenario.load(tmp_path / "nope.toml")


def test_people_csv_without_edges_csv_is_rejected():
    with pytest.raises(InputError) as info:
        Scenario.default().with_overrides({"org.people_csv": "people.csv"})
    assert "together" in info.value.message


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("policy.fast", "allowed under policy"),
        ("polcy.rollout", "allowed under top level"),
        ("policy", "is a section"),
        ("run.seed.x", "is a value, not a section"),
    ],
)
def test_override_of_an_unknown_or_misplaced_key_is_an_input_error(key, fragment):
    with pytest.raises(InputError) as info:
        Scenario.default().with_overrides({key: 1})
    assert info.value.source == "with_overrides"  # from Python; the command line says --set
    assert info.value.field == key
    assert fragment in info.value.message


def test_override_with_a_bad_value_names_the_key_and_the_allowed_values():
    with pytest.raises(InputError) as info:
        Scenario.default().with_overrides({"policy.integration": "total"})
    assert info.value.field == "policy.integration"
    assert all(v in info.value.message for v in ("none", "partial", "full"))


# --- the hash -----------------------------------------------------------------------------


def test_hash_is_the_same_for_the_same_content_in_any_key_order(tmp_path):
    a = write(
        tmp_path / "a.toml",
        'name = "x"\n[policy]\nrollout = "pilot"\nsanctions = 0.5\n[run]\nseed = 3\nweeks = 20\n',
    )
    b = write(
        tmp_path / "b.toml",
        'name = "x"\n[run]\nweeks = 20\nseed = 3\n[policy]\nsanctions = 0.5\nrollout = "pilot"\n',
    )
    assert Scenario.load(a).hash == Scenario.load(b).hash
    assert Scenario.load(a).hash != Scenario.default().hash


def test_hash_does_not_depend_on_where_the_file_is_or_on_int_versus_float(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    a = write(tmp_path / "one" / "s.toml", "[policy]\ntraining_hours = 8\n")
    b = write(tmp_path / "two" / "s.toml", "[policy]\ntraining_hours = 8.0\n")
    assert Scenario.load(a).hash == Scenario.load(b).hash == Scenario().hash


def test_hash_is_a_stable_function_of_the_content():
    a, b = Scenario.default(), Scenario.default()
    assert a is not b
    assert a.hash == b.hash
    assert len(a.hash) == 16 and all(c in "0123456789abcdef" for c in a.hash)


@pytest.mark.parametrize(
    ("key", "value"),
    [("run.seed", 43), ("policy.integration", "full"), ("roles.sales.gaming_gain", 0.31), ("name", "other")],
)
def test_hash_changes_when_a_value_changes_and_returns_when_it_is_restored(key, value):
    base = Scenario.default()
    changed = base.with_overrides({key: value})
    assert changed.hash != base.hash
    assert changed.with_overrides({key: base.get(key)}).hash == base.hash
