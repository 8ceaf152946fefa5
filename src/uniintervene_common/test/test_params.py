"""The parameter schema: defaults, YAML overrides with range checks, descriptors, and
run-time changes that reach the node's namespace (in-process rclpy node, no spinning)."""

import pytest
import rclpy
from rcl_interfaces.msg import ParameterType
from rclpy.parameter import Parameter

from uniintervene_common.params import Param, declare_parameters, from_values

SCHEMA = (
    Param("period", 0.1, "s per tick", 0.01, 1.0),
    Param("limit", 3, "ticks", 1, 10, read_only=False),
    Param("name", "cell", "a string"),
)


def test_from_values_overrides_checks_ranges_and_unknown_names():
    values = from_values(SCHEMA, {"limit": 5})
    assert (values.period, values.limit, values.name) == (0.1, 5, "cell")
    with pytest.raises(ValueError, match="limit=11 outside"):
        from_values(SCHEMA, {"limit": 11})
    with pytest.raises(ValueError, match="unknown parameters"):
        from_values(SCHEMA, {"limt": 5})


def test_node_declares_the_schema_and_applies_run_time_changes():
    rclpy.init()
    try:
        node = rclpy.create_node("schema_test")
        changed = []
        values = declare_parameters(node, SCHEMA, on_change=changed.extend)
        (period, limit, _) = node.describe_parameters(["period", "limit", "name"])
        assert period.read_only and not limit.read_only
        assert period.floating_point_range[0].to_value == 1.0
        assert (
            limit.integer_range[0].from_value == 1 and period.type == ParameterType.PARAMETER_DOUBLE
        )
        assert node.set_parameters([Parameter("limit", value=7)])[0].successful
        assert values.limit == 7 and changed == ["limit"]
        assert not node.set_parameters([Parameter("limit", value=70)])[0].successful  # range
        assert not node.set_parameters([Parameter("period", value=0.2)])[0].successful  # r/o
        assert values.limit == 7 and values.period == 0.1
        node.destroy_node()
    finally:
        rclpy.shutdown()
