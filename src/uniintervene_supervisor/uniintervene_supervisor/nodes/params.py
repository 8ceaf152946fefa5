"""supervisor_node's parameters, each declared with a description (and range)."""

from types import SimpleNamespace

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor

from uniintervene_supervisor.arbitration import ArbiterConfig
from uniintervene_supervisor.safety import SafetyConfig

# name: (default, description, low, high)
PARAMETERS = {
    "control_period": (0.1, "s per control tick (10 Hz)", 0.01, 1.0),
    "autonomous_intervention": (True, "default for goals: false = HiL-SERL (human only)"),
    "cooldown_ticks": (20, "ticks after an intervention before the next trigger", 0, 1000),
    "trigger_warmup_ticks": (20, "ticks at an episode's start without triggers", 0, 1000),
    "default_max_ticks": (300, "episode length when a goal says 0", 1, 100000),
    "fault_abort_ticks": (50, "consecutive robot-fault ticks that end an episode", 1, 100000),
    "command_timeout": (0.3, "s before a source command is stale", 0.01, 5.0),
    "joint_state_timeout": (0.3, "s before joint states are stale", 0.01, 5.0),
    "critic_timeout": (0.5, "s before critic output is stale (no triggers then)", 0.01, 5.0),
    "human_timeout": (0.5, "s before a silent teleop counts as released", 0.01, 5.0),
    "recovery_timeout": (0.3, "s of silence from an active recovery before it is lost", 0.01, 5.0),
    "recovery_grace_ticks": (3, "ticks a new recovery may take to start publishing", 0, 100),
    "recovery_max_ticks": (3, "tick limit sent with each Recover goal", 1, 10000),
    "max_linear_speed": (0.25, "m/s", 0.0, 2.0),
    "max_angular_speed": (1.0, "rad/s", 0.0, 6.0),
    "max_linear_acceleration": (2.0, "m/s^2", 0.01, 50.0),
    "max_angular_acceleration": (8.0, "rad/s^2", 0.01, 100.0),
    "workspace_min": ([0.15, -0.35, 0.0], "TCP box lower corner, m, base frame"),
    "workspace_max": ([0.85, 0.55, 0.6], "TCP box upper corner, m, base frame"),
    "tool_offset": (0.16, "flange to TCP along the tool axis, m", 0.0, 1.0),
    "base_frame": ("base_link", "frame of the twists"),
    "require_robot_program": (True, "HOLD unless robot_program_running is true"),
    "servo_switch_to_twist": (False, "call MoveIt Servo's switch_command_type (real cell)"),
    "reset_service": ("/uniintervene/sim/reset", "task reset service ('' = none)"),
    "reset_wait": (2.0, "s to wait for the reset service", 0.0, 60.0),
    "seed_base": (0, "seed of the first episode's reset (then +1 per episode)", 0, 2**31 - 1),
    "record": (True, "record each episode to MCAP"),
    "recording_dir": ("recordings", "folder of the MCAP recordings"),
}


def declare_all(node) -> SimpleNamespace:
    values = {}
    for name, (default, text, *limits) in PARAMETERS.items():
        descriptor = ParameterDescriptor(description=text)
        if limits and isinstance(default, float):
            descriptor.floating_point_range = [
                FloatingPointRange(from_value=float(limits[0]), to_value=float(limits[1]))
            ]
        elif limits and isinstance(default, int) and not isinstance(default, bool):
            descriptor.integer_range = [
                IntegerRange(from_value=limits[0], to_value=limits[1], step=1)
            ]
        values[name] = node.declare_parameter(name, default, descriptor).value
    return SimpleNamespace(**values)


def arbiter_config(p, autonomous: bool) -> ArbiterConfig:
    return ArbiterConfig(autonomous, p.cooldown_ticks, p.trigger_warmup_ticks)


def safety_config(p) -> SafetyConfig:
    """The safety filter's settings from the parameters (node and evaluation alike)."""
    return SafetyConfig(
        max_linear_speed=p.max_linear_speed,
        max_angular_speed=p.max_angular_speed,
        max_linear_acceleration=p.max_linear_acceleration,
        max_angular_acceleration=p.max_angular_acceleration,
        workspace_min=tuple(p.workspace_min),
        workspace_max=tuple(p.workspace_max),
        command_timeout=p.command_timeout,
        joint_state_timeout=p.joint_state_timeout,
    )
