"""Build ROS interface instances with every field set to a distinct, non-default value.

Used to prove that a type crosses DDS with its fields intact: fill, send, compare.
Values are exactly representable in float32 so equality after transport is exact.
"""

import importlib

from rosidl_parser import definition as d

_SCALARS = {
    "boolean": lambda seed: True,  # False is the default
    "octet": lambda seed: seed % 251 + 1,
    "char": lambda seed: seed % 100 + 1,
    "uint8": lambda seed: seed % 250 + 1,
    "int8": lambda seed: -(seed % 120) - 1,
    "uint16": lambda seed: seed % 60000 + 2,
    "int16": lambda seed: -(seed % 30000) - 2,
    "uint32": lambda seed: seed * 7919 + 3,
    "int32": lambda seed: -seed * 7919 - 3,
    "uint64": lambda seed: seed * 104729 + 4,
    "int64": lambda seed: -seed * 104729 - 4,
    "float": lambda seed: seed * 0.25 + 0.5,
    "double": lambda seed: seed * 0.125 + 1.5,
    "string": lambda seed: f"text-{seed}-äöü",
}


def import_interface(type_name: str):
    """'uniintervene_msgs/msg/Latent' (or .../action/Arbitrate_Goal) -> the Python class."""
    package, kind, name = type_name.split("/")
    module = importlib.import_module(f"{package}.{kind}")
    if "_" in name and not hasattr(module, name):
        outer, inner = name.rsplit("_", 1)
        return getattr(getattr(module, outer), inner)
    return getattr(module, name)


def filled(msg_class, seed: int = 1):
    """An instance of msg_class with every field, recursively, set from seed."""
    msg = msg_class()
    for index, (field, slot_type) in enumerate(
        zip(msg.get_fields_and_field_types(), msg_class.SLOT_TYPES, strict=True)
    ):
        setattr(msg, field, _value_for(slot_type, (seed * 31 + index) % 100_003))
    return msg


def _value_for(slot_type, seed: int):
    if isinstance(slot_type, d.BasicType):
        return _SCALARS[slot_type.typename](seed)
    if isinstance(slot_type, (d.UnboundedString, d.BoundedString)):
        return _SCALARS["string"](seed)
    if isinstance(slot_type, d.NamespacedType):
        module = importlib.import_module(".".join(slot_type.namespaces))
        return filled(getattr(module, slot_type.name), seed)
    if isinstance(slot_type, d.AbstractNestedType):
        length = slot_type.size if isinstance(slot_type, d.Array) else 3
        return [_value_for(slot_type.value_type, seed + i) for i in range(length)]
    raise TypeError(f"no filler for {slot_type!r}")
