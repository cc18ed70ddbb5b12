"""The scenario loader: safe YAML, `extends:` layering, defaults, and one-line error messages.

Every bad-input test asserts that the message is a single line of the form
``file:line: key.path: message`` naming the file, the line, the key path and what was expected or
found. Bad files are written into `tmp_path`.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from sim.scenario import Scenario, ScenarioError, load_scenario


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message, f"error message is not one line: {message!r}"
    return message


def assert_located(message: str, path: Path, line: int, key: str | None = None) -> None:
    """The message starts with `file:line:` and, when given, names the key path next."""
    prefix = f"{path}:{line}: "
    assert message.startswith(prefix), f"expected the message to start with {prefix!r}: {message!r}"
    if key is not None:
        assert message[len(prefix):].startswith(f"{key}: "), f"expected key path {key!r} after the location: {message!r}"


# --------------------------------------------------------------------------------------------
# one test per kind of bad input
# --------------------------------------------------------------------------------------------


def test_wrong_type_names_file_line_key_expected_and_found(tmp_path):
    path = write(tmp_path, "wrong_type.yaml", """
        name: wrong_type
        policies:
          joint_meetings:
            interval_days: monthly
        """)
    msg = error_of(path)
    assert_located(msg, path, 4, "policies.joint_meetings.interval_days")
    assert "expected an integer" in msg
    assert "'monthly'" in msg


def test_wrong_type_of_a_boolean(tmp_path):
    path = write(tmp_path, "wrong_bool.yaml", """
        name: wrong_bool
        policies:
          grid_management:
            enabled: "yes please"
        """)
    msg = error_of(path)
    assert_located(msg, path, 4, "policies.grid_management.enabled")
    assert "expected true or false" in msg
    assert "'yes please'" in msg


def test_out_of_range_value_names_the_bound_and_the_value(tmp_path):
    path = write(tmp_path, "out_of_range.yaml", """
        name: out_of_range
        run:
          days: 100
        policies:
          joint_meetings:
            enabled: true
            interval_days: -3
        """)
    msg = error_of(path)
    assert_located(msg, path, 7, "policies.joint_meetings.interval_days")
    assert ">= 1" in msg
    assert "-3" in msg


def test_share_above_one_is_out_of_range(tmp_path):
    path = write(tmp_path, "share.yaml", """
        name: share
        site:
          owner_share: 1.5
        """)
    msg = error_of(path)
    assert_located(msg, path, 3, "site.owner_share")
    assert "<= 1" in msg
    assert "1.5" in msg


def test_unknown_key_suggests_the_nearest_known_key(tmp_path):
    path = write(tmp_path, "typo.yaml", """
        name: typo
        policies:
          grid_managment:
            enabled: true
        """)
    msg = error_of(path)
    assert_located(msg, path, 3, "policies.grid_managment")
    assert "unknown key 'grid_managment'" in msg
    assert "did you mean 'grid_management'?" in msg


def test_unknown_nested_key_suggests_the_nearest_sibling(tmp_path):
    path = write(tmp_path, "nested_typo.yaml", """
        name: nested_typo
        policies:
          grid_management:
            enabled: true
            patrol_intervall_days: 7
        """)
    msg = error_of(path)
    assert_located(msg, path, 5, "policies.grid_management.patrol_intervall_days")
    assert "did you mean 'patrol_interval_days'?" in msg


def test_age_shares_must_sum_to_one(tmp_path):
    path = write(tmp_path, "ages.yaml", """
        name: ages
        site:
          age_shares:
            "18-29": 0.5
            "30-39": 0.5
            "40-49": 0.5
            "50-59": 0.0
            "60-69": 0.0
            "70+": 0.0
        """)
    msg = error_of(path)
    assert_located(msg, path, 3, "site.age_shares")
    assert "must sum to 1" in msg
    assert "found 1.5" in msg


def test_cycle_in_extends_names_the_chain_file_and_line(tmp_path):
    a = write(tmp_path, "a.yaml", """
        name: a
        extends: b.yaml
        """)
    b = write(tmp_path, "b.yaml", """
        # b points back at a
        extends: a.yaml
        name: b
        """)
    msg = error_of(a)
    # the file whose `extends:` closes the cycle, at the line of that key
    assert_located(msg, b, 2, "extends")
    assert "cycle in extends: a.yaml -> b.yaml -> a.yaml" in msg


def test_self_extension_is_a_cycle(tmp_path):
    path = write(tmp_path, "self.yaml", "name: self\nextends: self.yaml\n")
    msg = error_of(path)
    assert_located(msg, path, 2, "extends")
    assert "cycle in extends: self.yaml -> self.yaml" in msg


def test_missing_extends_target(tmp_path):
    path = write(tmp_path, "orphan.yaml", """
        name: orphan
        extends: no_such_parent.yaml
        """)
    msg = error_of(path)
    assert_located(msg, path, 2, "extends")
    assert "file not found" in msg
    assert "no_such_parent.yaml" in msg


def test_a_misspelt_extends_or_shipped_parent_is_named_with_what_was_meant(tmp_path):
    """`extend:` is not silently an unknown key among many, and `extends: baselin` names the
    shipped scenario it nearly is; a name like nothing shipped gets no guess."""
    key = write(tmp_path, "key.yaml", "name: k\nextend: baseline\n")
    msg = error_of(key)
    assert_located(msg, key, 2, "extend")
    assert msg.endswith("unknown key 'extend'; did you mean 'extends'?")
    parent = write(tmp_path, "parent.yaml", "name: p\nextends: baselin\n")
    msg = error_of(parent)
    assert_located(msg, parent, 2, "extends")
    assert "file not found: baselin" in msg and msg.endswith("; did you mean 'baseline'?")
    nothing = write(tmp_path, "nothing.yaml", "name: n\nextends: qqqzzz\n")
    assert "did you mean" not in error_of(nothing)


def test_invalid_yaml_syntax_names_file_and_line(tmp_path):
    path = write(tmp_path, "syntax.yaml", """
        name: syntax
        site:
          households: 300
            owner_share: 0.5
        run:
          days: 10
        """)
    msg = error_of(path)
    assert_located(msg, path, 4)
    assert "not valid YAML" in msg
    assert "mapping values are not allowed" in msg


def test_top_level_list_instead_of_mapping(tmp_path):
    path = write(tmp_path, "list.yaml", """
        - name: a
        - name: b
        """)
    msg = error_of(path)
    assert_located(msg, path, 1)
    assert "expected a mapping" in msg
    assert "found list" in msg


def test_bad_shock_kind_lists_the_known_kinds(tmp_path):
    path = write(tmp_path, "shock.yaml", """
        name: shock
        shocks:
          - kind: fee_change
            day: 10
            factor: 1.1
          - kind: earthquake
            day: 30
        """)
    msg = error_of(path)
    assert_located(msg, path, 6, "shocks.1.kind")
    assert "kind" in msg
    assert "'property_exit'" in msg and "'fee_change'" in msg
    assert "'earthquake'" in msg


def test_unknown_key_in_a_city_community_site_override(tmp_path):
    path = write(tmp_path, "city.yaml", """
        name: city
        city:
          districts:
            - name: D1
              streets:
                - name: S1
                  communities:
                    - name: c1
                      site: {households: 400}
                    - name: c2
                      site:
                        type: old_compound
                        housholds: 300
        """)
    msg = error_of(path)
    assert_located(msg, path, 13, "city.districts.0.streets.0.communities.1.site.housholds")
    assert "unknown key 'housholds'" in msg
    assert "did you mean 'households'?" in msg


def test_error_in_a_parent_file_names_the_parent(tmp_path):
    parent = write(tmp_path, "parent.yaml", """
        name: parent
        run:
          seed: 1
          days: -5
        """)
    child = write(tmp_path, "child.yaml", """
        extends: parent.yaml
        name: child
        """)
    msg = error_of(child)
    assert_located(msg, parent, 4, "run.days")
    assert "-5" in msg


# --------------------------------------------------------------------------------------------
# layering, safety, defaults
# --------------------------------------------------------------------------------------------


def test_extends_deep_merge_keeps_the_parents_siblings(tmp_path):
    write(tmp_path, "parent.yaml", """
        name: parent
        site:
          households: 1200
          owner_share: 0.6
        policies:
          grid_management:
            enabled: true
            households_per_grid_worker: 200
            patrol_interval_days: 14
        """)
    sub = tmp_path / "sub"
    sub.mkdir()
    child = write(sub, "child.yaml", """
        extends: ../parent.yaml
        name: child
        policies:
          grid_management:
            patrol_interval_days: 3
        """)
    s = load_scenario(child)
    assert s.name == "child"
    gm = s.policies.grid_management
    assert gm.patrol_interval_days == 3  # overridden by the child
    assert gm.enabled is True  # the parent's siblings survive
    assert gm.households_per_grid_worker == 200
    assert gm.detection_probability == Scenario().policies.grid_management.detection_probability  # default
    assert s.site.households == 1200 and s.site.owner_share == 0.6  # untouched sections survive


def test_extends_chain_of_three_applies_layers_in_order(tmp_path):
    write(tmp_path, "a.yaml", "name: a\nrun: {days: 10, seed: 1}\nsite: {households: 500}\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\nrun: {days: 20}\n")
    c = write(tmp_path, "c.yaml", "extends: b.yaml\nname: c\nsite: {owner_share: 0.5}\n")
    s = load_scenario(c)
    assert (s.name, s.run.days, s.run.seed, s.site.households, s.site.owner_share) == ("c", 20, 1, 500, 0.5)


def test_lists_are_replaced_not_merged(tmp_path):
    write(tmp_path, "parent.yaml", """
        policies:
          joint_meetings:
            attendees: [residents_committee, property_company, owners_committee]
        """)
    child = write(tmp_path, "child.yaml", """
        extends: parent.yaml
        policies:
          joint_meetings:
            attendees: [street_office]
        """)
    assert load_scenario(child).policies.joint_meetings.attendees == ["street_office"]


def test_yaml_is_loaded_safely_no_code_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path, "evil.yaml", f"""
        name: !!python/object/apply:os.system ["touch {marker}"]
        run:
          days: 10
        """)
    msg = error_of(path)
    assert_located(msg, path, 1)
    assert "not valid YAML" in msg
    assert not marker.exists(), "a YAML tag executed code"


def test_python_name_tag_is_rejected(tmp_path):
    path = write(tmp_path, "evil_name.yaml", "name: !!python/name:os.system\n")
    assert "not valid YAML" in error_of(path)


def test_empty_or_comments_only_file_is_refused_but_an_explicit_empty_mapping_gives_all_defaults(tmp_path):
    """A truncated or emptied file must not run silently as all defaults; `{}` says so on purpose."""
    for name, text in (("empty.yaml", ""), ("comments.yaml", "# nothing but a comment\n\n   \n")):
        path = write(tmp_path, name, text)
        msg = error_of(path)
        assert_located(msg, path, 1)
        assert "the file is empty" in msg
    assert load_scenario(write(tmp_path, "defaults.yaml", "{}  # every default\n")) == Scenario()


def test_defaults_are_filled_in_around_partial_sections(tmp_path):
    path = write(tmp_path, "partial.yaml", """
        name: partial
        disputes:
          rates:
            old_compound:
              parking: 60
        handlers:
          street:
            servers: 4
        """)
    s = load_scenario(path)
    d = Scenario()
    # the one rate changed; every other rate and community type keeps its default
    assert s.disputes.rates["old_compound"]["parking"] == 60
    for t, rates in d.disputes.rates.items():
        for cat, v in rates.items():
            if (t.value, cat) != ("old_compound", "parking"):
                assert s.disputes.rates[t][cat] == v
    # the one handler field changed; its siblings and the other handlers keep theirs
    assert s.handlers.street.servers == 4
    assert s.handlers.street.work_time == d.handlers.street.work_time
    assert s.handlers.street.handoff_days == d.handlers.street.handoff_days
    assert s.handlers.district == d.handlers.district
    # untouched sections are exactly the defaults
    assert s.site == d.site and s.behaviour == d.behaviour and s.policies == d.policies
    assert s.run == d.run and s.timeline == [] and s.city is None


def test_overrides_apply_last(tmp_path):
    path = write(tmp_path, "base.yaml", "name: base\nrun: {days: 300, seed: 7}\n")
    s = load_scenario(path, overrides={"run": {"days": 30}})
    assert (s.run.days, s.run.seed) == (30, 7)


def test_error_format_is_file_line_key_message(tmp_path):
    """The documented shape: ``path:line: dotted.key: message``."""
    path = write(tmp_path, "shape.yaml", "name: shape\nsite:\n  households: 5\n")
    msg = error_of(path)
    assert re.fullmatch(re.escape(str(path)) + r":3: site\.households: expected an integer >= 10, found 5", msg), msg
