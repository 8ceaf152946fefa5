"""Parameter schemas of supervisor_node, teleop_node and gripper_io_node
(see uniintervene_common.params).

Run-time changes of the non-read-only supervisor parameters take effect at the next tick
(safety limits, timeouts) or the next episode (cooldown, warm-up, recovery length)."""

from uniintervene_common import topics
from uniintervene_common.params import GRIPPER_OPEN_WIDTH, Param
from uniintervene_supervisor.gripper_io import ToolGripperConfig
from uniintervene_supervisor.teleop import TeleopConfig

SUPERVISOR_NODE = (
    Param("control_period", 0.1, "s per control tick (10 Hz)", 0.01, 1.0),
    Param(
        "autonomous_intervention",
        True,
        "false: every episode is HiL-SERL (human only), whatever its goal asks",
        read_only=False,
    ),
    Param(
        "cooldown_ticks",
        20,
        "ticks after an intervention before the next trigger",
        0,
        1000,
        read_only=False,
    ),
    Param(
        "trigger_warmup_ticks",
        20,
        "ticks at an episode's start without triggers",
        0,
        1000,
        read_only=False,
    ),
    Param(
        "default_max_ticks", 300, "episode length when a goal says 0", 1, 100000, read_only=False
    ),
    Param(
        "fault_abort_ticks",
        50,
        "consecutive robot-fault ticks that end an episode",
        1,
        100000,
        read_only=False,
    ),
    Param("command_timeout", 0.3, "s before a source command is stale", 0.01, 5.0, read_only=False),
    Param(
        "joint_state_timeout", 0.3, "s before joint states are stale", 0.01, 5.0, read_only=False
    ),
    Param(
        "critic_timeout",
        0.5,
        "s before critic output is stale (no triggers then)",
        0.01,
        5.0,
        read_only=False,
    ),
    Param(
        "human_timeout",
        0.5,
        "s before a silent teleop counts as released",
        0.01,
        5.0,
        read_only=False,
    ),
    Param(
        "recovery_timeout",
        0.3,
        "s of silence from an active recovery before it is lost",
        0.01,
        5.0,
        read_only=False,
    ),
    Param(
        "recovery_grace_ticks",
        3,
        "ticks a new recovery may take to start publishing",
        0,
        100,
        read_only=False,
    ),
    Param(
        "recovery_max_ticks", 3, "tick limit sent with each Recover goal", 1, 10000, read_only=False
    ),
    Param("max_linear_speed", 0.25, "m/s", 0.0, 2.0, read_only=False),
    Param("max_angular_speed", 1.0, "rad/s", 0.0, 6.0, read_only=False),
    Param("max_linear_acceleration", 2.0, "m/s^2", 0.01, 50.0, read_only=False),
    Param("max_angular_acceleration", 8.0, "rad/s^2", 0.01, 100.0, read_only=False),
    Param(
        "workspace_min", [0.15, -0.35, 0.0], "TCP box lower corner, m, base frame", read_only=False
    ),
    Param(
        "workspace_max", [0.85, 0.55, 0.6], "TCP box upper corner, m, base frame", read_only=False
    ),
    Param("tool_offset", 0.16, "flange to TCP along the tool axis, m", 0.0, 1.0),
    Param("base_frame", "base_link", "frame of the twists"),
    Param("require_robot_program", True, "HOLD unless robot_program_running is true"),
    Param(
        "safety_modes_ok",
        [1, 2],
        "UR safety modes the cell may move in (ur_dashboard_msgs/SafetyMode: 1 NORMAL, "
        "2 REDUCED); any other HOLDs",
        read_only=False,
    ),
    Param(
        "servo_switch_to_twist",
        False,
        "keep MoveIt Servo in TWIST (switch_command_type, retried) and HOLD until it is",
    ),
    Param(
        "watch_command_controller",
        False,
        "HOLD unless controller_manager lists command_controller active (real cell)",
    ),
    Param("command_controller", "forward_position_controller", "the controller Servo feeds"),
    Param(
        "activate_command_controller",
        True,
        "while an episode runs, activate command_controller (switch_controller, STRICT), "
        "deactivating the active controllers that claim its joints",
        read_only=False,
    ),
    Param(
        "watch_servo_status",
        False,
        "a MoveIt Servo halt (servo_node/status) HOLDs the policy and recovery (real cell)",
    ),
    Param(
        "servo_halt_hold",
        1.0,
        "s of HOLD after Servo's last halt report",
        0.0,
        60.0,
        read_only=False,
    ),
    Param(
        "tracking_tolerance",
        0.3,
        "WARN when the arm makes less than 1 - this of the commanded TCP speed",
        0.0,
        1.0,
        read_only=False,
    ),
    Param(
        "servo_twist_at_flange",
        False,
        "shift TCP twists to the flange before sending (MoveIt Servo moves tool0)",
    ),
    Param("reset_service", topics.SIM_RESET, "task reset service ('' = none)"),
    Param("reset_wait", 2.0, "s to wait for the reset service", 0.0, 60.0, read_only=False),
    Param("seed_base", 0, "seed of the first episode's reset (then +1 per episode)", 0, 2**31 - 1),
    Param("record", True, "record each episode to MCAP", read_only=False),
    Param(
        "publish_transitions",
        True,
        "publish one learner transition per tick on uniintervene/transitions",
        read_only=False,
    ),
    GRIPPER_OPEN_WIDTH,
    Param("recording_dir", "recordings", "folder of the MCAP recordings", read_only=False),
)

_teleop = TeleopConfig()
TELEOP_NODE = (
    Param("mode", _teleop.mode, "implicit (HiL-SERL takeover) or deadman"),
    Param("deadband", _teleop.deadband, "input norm that counts as a takeover"),
    Param("linear_scale", _teleop.linear_scale, "m/s at full deflection"),
    Param("angular_scale", _teleop.angular_scale, "rad/s at full deflection"),
    Param("axis_signs", _teleop.axis_signs, "per-axis sign/scale (6)"),
    Param("release_after", _teleop.release_after, "s of no input that ends an implicit takeover"),
    Param("input_timeout", _teleop.input_timeout, "s of silence: device gone"),
    Param("deadman_button", _teleop.deadman_button, "deadman button index"),
    Param("close_button", _teleop.close_button, "button closing the gripper"),
    Param("open_button", _teleop.open_button, "button opening the gripper"),
    Param("twist_topic", "spacenav/twist", "device twist (geometry_msgs/Twist)"),
    Param("joy_topic", "spacenav/joy", "device buttons/axes (sensor_msgs/Joy)"),
    Param("use_joy_axes", False, "take the 6 axes from Joy (a joystick)"),
    Param("base_frame", "base_link", "frame of the human commands"),
    Param("period", 0.1, "s between published commands"),
)

_gripper = ToolGripperConfig()
GRIPPER_IO_NODE = (
    Param("close_pin", _gripper.close_pin, "UR digital output that closes (16, 17: tool)", 0, 17),
    Param("open_pin", _gripper.open_pin, "output that opens (double-acting; -1 none)", -1, 17),
    Param("close_above", _gripper.close_above, "a command above this closes", 0.0, 1.0),
    Param("open_below", _gripper.open_below, "a command below this opens", 0.0, 1.0),
    Param(
        "retry_period",
        _gripper.retry_period,
        "s before an unconfirmed set_io is resent",
        0.05,
        10.0,
    ),
    Param("mock_hardware", False, "ros2_control mock hardware: set_io is refused, none sent"),
)
