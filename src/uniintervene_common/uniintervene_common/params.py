"""One parameter schema per node: declared once, read by the node (with descriptors), by
the in-process harness (defaults, YAML) and by the YAML documentation test.

A parameter is `read_only` unless the node re-reads it while running; those take effect
through the on-set callback that `declare_parameters` installs.
"""

import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    description: str
    low: float | None = None  # inclusive range for numbers (both or neither)
    high: float | None = None
    read_only: bool = True  # False: changes at run time take effect at once

    def check(self, value) -> None:
        """ValueError for a value outside the declared range (rclpy checks the same)."""
        if self.low is not None and not (self.low <= value <= self.high):
            raise ValueError(f"{self.name}={value} outside [{self.low}, {self.high}]")


# The one home of the gripper's open width: every node that turns the finger joints into a
# closure (0 open ... 1 closed) declares this parameter (the simulated gripper's width).
GRIPPER_OPEN_WIDTH = Param(
    "gripper_open_width", 0.09, "m between the fingers when open", 0.01, 0.5, read_only=False
)


def defaults(schema) -> SimpleNamespace:
    return SimpleNamespace(**{p.name: p.default for p in schema})


def from_values(schema, values: dict) -> SimpleNamespace:
    """The schema's defaults overridden by `values` (e.g. a node's YAML section); unknown
    names and out-of-range values are errors, as they are for the node."""
    known = {p.name: p for p in schema}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}")
    for name, value in values.items():
        known[name].check(value)
    return SimpleNamespace(**{**vars(defaults(schema)), **values})


def fields_of(namespace: SimpleNamespace, config_type) -> dict:
    """The entries of `namespace` that are fields of the dataclass `config_type`."""
    names = {f.name for f in dataclasses.fields(config_type)}
    return {k: v for k, v in vars(namespace).items() if k in names}


def descriptor(param: Param):
    from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor

    result = ParameterDescriptor(description=param.description, read_only=param.read_only)
    if param.low is not None and isinstance(param.default, float):
        result.floating_point_range = [
            FloatingPointRange(from_value=float(param.low), to_value=float(param.high))
        ]
    elif (
        param.low is not None
        and isinstance(param.default, int)
        and not isinstance(param.default, bool)
    ):
        result.integer_range = [
            IntegerRange(from_value=int(param.low), to_value=int(param.high), step=1)
        ]
    return result


def declare_parameters(node, schema, on_change=None) -> SimpleNamespace:
    """Declare every parameter of `schema` on `node`; return their values as a namespace
    that stays current: a run-time change of a non-read-only parameter updates it, then
    calls on_change(names) (e.g. to rebuild a config)."""
    values = SimpleNamespace(
        **{p.name: node.declare_parameter(p.name, p.default, descriptor(p)).value for p in schema}
    )
    dynamic = {p.name for p in schema if not p.read_only}
    if dynamic:

        def on_set(parameters) -> None:
            changed = [p.name for p in parameters if p.name in dynamic]
            for parameter in parameters:
                if parameter.name in dynamic:
                    setattr(values, parameter.name, parameter.value)
            if changed and on_change is not None:
                on_change(changed)

        node.add_post_set_parameters_callback(on_set)
    return values
