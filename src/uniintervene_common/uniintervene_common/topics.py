"""Topic, service and action names of the interface contract (docs/architecture.md).

All are relative, so `namespace:=cell_2` runs a second cell beside the first; the launch
files remap the driver-side names (joint states, camera, Servo, the UR program state)
to the drivers' own topics. `/diagnostics` stays global (the aggregator's convention).
"""

JOINT_STATES = "joint_states"
IMAGE = "camera/camera/color/image_raw"
CAMERA_INFO = "camera/camera/color/camera_info"
# the second view: a scene camera over the table (a second RealSense, camera_name "scene")
SCENE_IMAGE = "camera/scene/color/image_raw"
SCENE_CAMERA_INFO = "camera/scene/color/camera_info"
SERVO_TWIST = "servo_node/delta_twist_cmds"
SERVO_SWITCH_COMMAND_TYPE = "servo_node/switch_command_type"
SERVO_STATUS = "servo_node/status"
LIST_CONTROLLERS = "controller_manager/list_controllers"
SWITCH_CONTROLLER = "controller_manager/switch_controller"
PROGRAM_RUNNING = "io_and_status_controller/robot_program_running"
SAFETY_MODE = "io_and_status_controller/safety_mode"
SET_IO = "io_and_status_controller/set_io"
DIAGNOSTICS = "/diagnostics"

COMMAND = {
    "policy": "uniintervene/policy/command",
    "human": "uniintervene/human/command",
    "recovery": "uniintervene/recovery/command",
}
HUMAN_ENGAGED = "uniintervene/human/engaged"
EXECUTED = "uniintervene/command"
MEASURED_TWIST = "uniintervene/measured_twist"  # the TCP twist the arm made, from joint states
GRIPPER = "uniintervene/gripper/command"
VALUE = "uniintervene/critic/value"
RISK = "uniintervene/critic/risk"
LATENT = "uniintervene/critic/latent"
CONTROL_MODE = "uniintervene/control_mode"
EVENTS = "uniintervene/events"
STATUS_MARKER = "uniintervene/status_marker"
TASK_STATE = "uniintervene/sim/task_state"
SIM_RESET = "uniintervene/sim/reset"
HOLD = "uniintervene/supervisor/hold"
RESUME = "uniintervene/supervisor/resume"
ARBITRATE = "uniintervene/arbitrate"
RECOVER = "uniintervene/recover"
TRANSITIONS = "uniintervene/transitions"
SUCCESS = "uniintervene/success"  # std_msgs/Bool from reward_node: the task succeeded
MARK_SUCCESS = "uniintervene/supervisor/success"  # the operator's success button
POLICY_WEIGHTS = "uniintervene/policy/weights"
RECOVERY_WEIGHTS = "uniintervene/recovery/weights"  # PolicyWeights of the recovery policy
