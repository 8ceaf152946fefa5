"""Learner checkpoints: every network, optimiser state, the temperature and the counters,
in one safetensors file (the readable config and counters in its metadata), written
atomically: a learner killed at any moment resumes from the last complete checkpoint."""

import json
import pathlib

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from uniintervene_common.atomic import atomic_write
from uniintervene_learner.sac import SACAgent, SACConfig

FORMAT, VERSION = "uniintervene-learner", "2"  # 2: the batched critic ensemble
MODULES = ("actor", "critic", "target")
OPTIMISERS = ("actor_optimiser", "critic_optimiser", "temperature_optimiser")


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt or of another agent."""


def _optimiser_tensors(name: str, optimiser) -> tuple[dict, list]:
    state = optimiser.state_dict()
    tensors = {
        f"{name}.state.{param}.{key}": value.detach().cpu().contiguous()
        for param, entries in state["state"].items()
        for key, value in entries.items()
    }
    return tensors, state["param_groups"]


def save_checkpoint(agent: SACAgent, path, counters: dict | None = None) -> None:
    tensors = {
        f"{module}.{key}": value.detach().cpu().contiguous()
        for module in MODULES
        for key, value in getattr(agent, module).state_dict().items()
    }
    tensors["log_temperature"] = agent.log_temperature.detach().cpu().reshape(1)
    groups = {}
    for name in OPTIMISERS:
        optimiser_tensors, groups[name] = _optimiser_tensors(name, getattr(agent, name))
        tensors.update(optimiser_tensors)
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "obs_dim": str(agent.obs_dim),
        "action_dim": str(agent.action_dim),
        "config": json.dumps(agent.config.to_dict()),
        "param_groups": json.dumps(groups),
        "counters": json.dumps({"updates": agent.updates, **(counters or {})}),
    }
    atomic_write(pathlib.Path(path), lambda tmp: save_file(tensors, tmp, metadata=metadata))


def read_metadata(path) -> dict:
    path = pathlib.Path(path)
    try:
        with open(path, "rb") as handle:
            header_size = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(header_size))
        metadata = header.get("__metadata__", {})
    except FileNotFoundError as error:
        raise CheckpointError(f"no checkpoint at {path}") from error
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path} is corrupt: {error}") from error
    if metadata.get("format") != FORMAT or metadata.get("version") != VERSION:
        raise CheckpointError(f"{path} is not a {FORMAT} v{VERSION} checkpoint")
    return metadata


def load_checkpoint(path, device=None) -> tuple[SACAgent, dict]:
    """(agent with every network and optimiser state restored, counters)."""
    metadata = read_metadata(path)
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError) as error:
        raise CheckpointError(f"{path} is corrupt: {error}") from error
    config = SACConfig.from_dict(json.loads(metadata["config"]))
    agent = SACAgent(int(metadata["obs_dim"]), int(metadata["action_dim"]), config, device)
    try:
        for module in MODULES:
            prefix = f"{module}."
            state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
            getattr(agent, module).load_state_dict(state)
        with torch.no_grad():
            agent.log_temperature.copy_(tensors["log_temperature"][0])
        groups = json.loads(metadata["param_groups"])
        for name in OPTIMISERS:
            prefix = f"{name}.state."
            state = {}
            for key, value in tensors.items():
                if key.startswith(prefix):
                    param, field = key[len(prefix) :].split(".", 1)
                    # Adam keeps its step count on the CPU (unless capturable)
                    placed = value if field == "step" else value.to(agent.device)
                    state.setdefault(int(param), {})[field] = placed
            getattr(agent, name).load_state_dict({"state": state, "param_groups": groups[name]})
    except (KeyError, RuntimeError, ValueError) as error:
        raise CheckpointError(f"{path} does not match this agent: {error}") from error
    counters = json.loads(metadata["counters"])
    agent.updates = int(counters.get("updates", 0))
    return agent, counters
