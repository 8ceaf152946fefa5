"""Command-line options from config dataclasses: one place for each default and its help.

A config field declared with `option(default, "help")` is a command-line option
(`--field-name`); `add_options` adds the fields named to a parser, with the dataclass's
default (or a command's own, e.g. the experiment's smaller budget) and help, and
`option_values` reads them back as keyword arguments for the dataclass. `as_argv` writes
such values as the options of another process (the experiment's runs), so that path has
one spelling too.
"""

import argparse
from dataclasses import MISSING, field, fields


def option(default, help: str, **argparse_kwargs):
    """A dataclass field that is also a command-line option (choices=, metavar=, ...)."""
    metadata = {"help": help, "argparse": argparse_kwargs}
    if isinstance(default, list | tuple):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _default(spec):
    if spec.default is not MISSING:
        return spec.default
    return spec.default_factory()


def add_options(parser, config_type, names, defaults: dict | None = None) -> None:
    """`--name` for each of `names` (fields of `config_type` declared with `option`)."""
    specs = {spec.name: spec for spec in fields(config_type)}
    for name in names:
        spec = specs[name]
        if "help" not in spec.metadata:
            raise TypeError(f"{config_type.__name__}.{name} is not declared with option()")
        default = (defaults or {}).get(name, _default(spec))
        kwargs = dict(spec.metadata["argparse"])
        if isinstance(default, bool):
            kwargs["action"] = argparse.BooleanOptionalAction
        elif isinstance(default, list | tuple):
            kwargs.update(nargs="+", type=type(default[0]))
            default = list(default)
        else:
            kwargs.setdefault("type", type(default))
        help_text = spec.metadata["help"] + " (default: %(default)s)"
        parser.add_argument(flag(name), default=default, help=help_text, **kwargs)


def option_values(args, config_type, names) -> dict:
    """The parsed values of `names`, converted back to the fields' kinds (tuples)."""
    specs = {spec.name: spec for spec in fields(config_type)}
    values = {}
    for name in names:
        value = getattr(args, name)
        values[name] = tuple(value) if isinstance(_default(specs[name]), tuple) else value
    return values


def as_argv(values: dict) -> list[str]:
    """The options another process's parser reads back as `values`."""
    argv = []
    for name, value in values.items():
        if isinstance(value, bool):
            argv.append(flag(name) if value else "--no-" + name.replace("_", "-"))
        elif isinstance(value, list | tuple):
            argv += [flag(name), *map(str, value)]
        else:
            argv += [flag(name), str(value)]
    return argv
