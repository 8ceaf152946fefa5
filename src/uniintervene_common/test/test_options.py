"""A config dataclass is its command's options: defaults and help from one place, values
back as the dataclass's kinds, and the same values as another process's argv."""

import argparse
from dataclasses import dataclass

import pytest

from uniintervene_common.options import add_options, as_argv, option, option_values


@dataclass
class RunConfig:
    steps: int = option(30_000, "environment steps")
    hidden: tuple = option((256, 256), "MLP widths")
    rate: float = option(0.5, "a rate")
    explore: bool = option(True, "sample actions")
    kind: str = option("latent", "what it sees", choices=("latent", "state"))
    internal: int = 3  # not an option


NAMES = ("steps", "hidden", "rate", "explore", "kind")


def parser_with(defaults=None):
    parser = argparse.ArgumentParser()
    add_options(parser, RunConfig, NAMES, defaults)
    return parser


def test_defaults_and_help_come_from_the_dataclass():
    parser = parser_with()
    values = option_values(parser.parse_args([]), RunConfig, NAMES)
    assert RunConfig(**values) == RunConfig()
    assert "environment steps (default: 30000)" in " ".join(parser.format_help().split())
    with pytest.raises(SystemExit):
        parser.parse_args(["--kind", "pixels"])


def test_a_command_of_its_own_overrides_defaults_and_another_process_reads_them_back():
    mine = {"steps": 10_000, "hidden": (128, 128), "explore": False}
    values = option_values(parser_with(mine).parse_args([]), RunConfig, NAMES)
    assert values == {"steps": 10_000, "hidden": (128, 128), "rate": 0.5, "explore": False,
                      "kind": "latent"}  # fmt: skip
    argv = as_argv(values)
    assert argv[:4] == ["--steps", "10000", "--hidden", "128"] and "--no-explore" in argv
    assert option_values(parser_with().parse_args(argv), RunConfig, NAMES) == values


def test_a_field_that_is_not_an_option_is_refused():
    with pytest.raises(TypeError, match="RunConfig.internal is not declared with option"):
        add_options(argparse.ArgumentParser(), RunConfig, ("internal",))
