"""The node graph of config/graph.yaml, resolved to executables, parameter files and
overrides (no ROS launch needed: the launch files and the runner both read it)."""

import json
import pathlib
from dataclasses import dataclass, field

import yaml
from ament_index_python.packages import get_package_prefix, get_package_share_directory

from uniintervene_common.topics import POLICY_WEIGHTS


@dataclass
class NodeSpec:
    package: str
    executable: str
    params: list[pathlib.Path] = field(default_factory=list)
    overrides: dict = field(default_factory=dict)
    namespace: str = ""  # '' = the root; 'cell_2' runs the node as /cell_2/<name>
    remappings: dict = field(default_factory=dict)  # our relative name -> the driver's

    @property
    def path(self) -> pathlib.Path:
        return (
            pathlib.Path(get_package_prefix(self.package)) / "lib" / self.package / self.executable
        )


def graph_file() -> pathlib.Path:
    return (
        pathlib.Path(get_package_share_directory("uniintervene_bringup")) / "config" / "graph.yaml"
    )


def _value(text, substitutions):
    if not isinstance(text, str):
        return text
    value = text.format(**substitutions)
    if value.isdigit():
        return int(value)
    return {"true": True, "false": False}.get(value, value)


def latent_dim(models) -> int:
    """The latent size of the critic in `models` (what the learner's observations hold);
    without a readable critic, learner.yaml's own value."""
    try:
        return int(json.loads((pathlib.Path(models) / "critic" / "critic.json").read_text())[
            "latent_dim"
        ])  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        share = pathlib.Path(get_package_share_directory("uniintervene_learner"))
        learner = yaml.safe_load((share / "config" / "learner.yaml").read_text())
        return int(learner["learner_node"]["ros__parameters"]["latent_dim"])


def load_graph(
    name: str,
    models="models",
    recordings="recordings",
    autonomous=True,
    path: pathlib.Path | None = None,
    memory="",
    namespace: str = "",
    mock_hardware: bool = False,
    policy: str = "",
    task: str = "pick_eggplant",
    learner_dir: str = "learner",
    weights_topic: str = POLICY_WEIGHTS,
) -> list[NodeSpec]:
    """The graph's nodes; `memory` '' means the one trained with the models. With
    `mock_hardware` (ros2_control's mock instead of the arm) the supervisor does not wait
    for a robot program: nothing publishes robot_program_running then. `policy` ('' = the
    graph's default): scripted, learned or actor (see graph.yaml)."""
    graphs = yaml.safe_load((path or graph_file()).read_text())
    names = sorted(key for key, value in graphs.items() if isinstance(value, list))
    if name not in names:
        raise ValueError(f"no graph {name!r} in {path or graph_file()}; have {names}")
    policy = policy or graphs.get("default_policy", {}).get(name, "")
    choices = sorted({c for entry in graphs[name] for c in entry.get("policy", [])})
    if choices and policy not in choices:
        raise ValueError(f"policy {policy!r}: the {name} graph offers {choices}")
    if namespace and not namespace.strip("/").replace("_", "").isalnum():
        raise ValueError(f"namespace {namespace!r}: letters, digits and _ only (e.g. cell_2)")
    remappings = graphs.get(f"{name}_remappings", {})
    substitutions = {
        "models": str(models),
        "recordings": str(recordings),
        "autonomous": "true" if autonomous else "false",
        "memory": str(memory) or f"{models}/recovery/memory.safetensors",
        "robot_program": "false" if mock_hardware else "true",
        "mock_hardware": "true" if mock_hardware else "false",
        "task": task,
        "learner_dir": str(learner_dir),
        "weights_topic": weights_topic,
        "latent_dim": str(latent_dim(models)),
    }
    specs = []
    for entry in graphs[name]:
        if "policy" in entry and policy not in entry["policy"]:
            continue
        params = []
        for reference in entry.get("params", []):
            package, relative = reference.split("/", 1)
            params.append(pathlib.Path(get_package_share_directory(package)) / relative)
        overrides = {k: _value(v, substitutions) for k, v in entry.get("overrides", {}).items()}
        specs.append(
            NodeSpec(
                entry["package"],
                entry["executable"],
                params,
                overrides,
                namespace.strip("/"),
                dict(remappings),
            )
        )
    return specs


def ros_arguments(spec: NodeSpec) -> list[str]:
    args = []
    if spec.namespace:
        args += ["-r", f"__ns:=/{spec.namespace}"]
    for ours, theirs in spec.remappings.items():
        args += ["-r", f"{ours}:={theirs}"]
    for params in spec.params:
        args += ["--params-file", str(params)]
    for key, value in spec.overrides.items():
        text = (
            ("true" if value else "false")
            if isinstance(value, bool)
            else (value if value != "" else "''")
        )
        args += ["-p", f"{key}:={text}"]
    return args
