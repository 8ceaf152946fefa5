"""What supervisor_node watches of the robot beyond joint states, and what it shows of it:
the UR safety mode (where ur_dashboard_msgs exists), MoveIt Servo's command type (kept at
TWIST) and status (halts), the controller Servo feeds (kept active), and the RViz status
text above the gripper."""

import numpy as np
from visualization_msgs.msg import Marker

from uniintervene_common import qos, topics
from uniintervene_supervisor.status import status_label


def watch_safety_mode(node, group) -> bool:
    """Subscribe to the UR safety mode; False where ur_dashboard_msgs is missing (then
    only robot_program_running is watched, which a real cell must be told: WARN)."""
    try:
        from ur_dashboard_msgs.msg import SafetyMode
    except ImportError:
        if node.p.require_robot_program:  # a real arm, whose protective stops matter
            node.get_logger().warning(
                "ur_dashboard_msgs is missing: the UR safety mode (protective stops) is NOT "
                "watched; install ros-jazzy-ur-dashboard-msgs"
            )
        return False

    def on_safety(msg: SafetyMode):
        node.safety_normal = msg.mode in node.p.safety_modes_ok

    node.create_subscription(
        SafetyMode, topics.SAFETY_MODE, on_safety, qos.LATCHED, callback_group=group
    )
    return True


def watch_servo_command_type(node, group) -> None:
    """Keep MoveIt Servo in TWIST: retried until it answers success, redone whenever
    it comes back (it is respawned when it exits); HOLD until then."""
    try:
        from moveit_msgs.srv import ServoCommandType
    except ImportError:
        node.get_logger().error("servo_switch_to_twist is set but moveit_msgs is missing")
        return
    client = node.create_client(
        ServoCommandType, topics.SERVO_SWITCH_COMMAND_TYPE, callback_group=group
    )
    request = ServoCommandType.Request(command_type=ServoCommandType.Request.TWIST)

    def step():
        was = node.servo_switch.switched
        node.servo_switch.step(
            node.now(), client.service_is_ready(), lambda: client.call_async(request)
        )
        if node.servo_switch.switched != was:
            node.get_logger().info(
                "MoveIt Servo accepts twists"
                if node.servo_switch.switched
                else f"MoveIt Servo: {node.servo_switch.last_problem}"
            )

    node.create_timer(0.5, step, callback_group=group)


def watch_command_controller(node, group) -> None:
    """List the controller manager's controllers each second; HOLD while the command
    controller is not active, and activate it while an episode runs (command_path)."""
    try:
        from controller_manager_msgs.srv import ListControllers, SwitchController
    except ImportError:  # HOLD with the reason: nothing can tell whether the arm will move
        node.controller_watch.problem = (
            "controller_manager_msgs is missing: install ros-jazzy-controller-manager-msgs"
        )
        node.get_logger().error(node.controller_watch.problem)
        return
    list_client = node.create_client(ListControllers, topics.LIST_CONTROLLERS, callback_group=group)
    switch_client = node.create_client(
        SwitchController, topics.SWITCH_CONTROLLER, callback_group=group
    )

    def switch(activate, deactivate):
        request = SwitchController.Request(
            activate_controllers=activate,
            deactivate_controllers=deactivate,
            strictness=SwitchController.Request.STRICT,
        )
        request.timeout.sec = 2
        node.get_logger().info(f"switch_controller: activate {activate}, deactivate {deactivate}")
        return switch_client.call_async(request)

    def step():
        watch = node.controller_watch
        watch.activate = node.p.activate_command_controller
        was = watch.fault
        watch.step(
            node.now(),
            list_client.service_is_ready() and switch_client.service_is_ready(),
            lambda: list_client.call_async(ListControllers.Request()),
            switch,
            wanted=node.episode is not None,
        )
        if watch.fault != was:
            node.get_logger().info(
                f"{watch.controller} is active" if not watch.fault else watch.fault
            )

    node.create_timer(0.25, step, callback_group=group)


def watch_servo_status(node, group) -> None:
    """MoveIt Servo's halts (singularity, collision, joint bound) become HOLDs."""
    try:
        from moveit_msgs.msg import ServoStatus
    except ImportError:
        node.get_logger().error("watch_servo_status is set but moveit_msgs is missing")
        return

    def on_status(msg: ServoStatus):
        node.servo_halt.on_status(msg.code, msg.message, node.now())

    node.create_subscription(ServoStatus, topics.SERVO_STATUS, on_status, 10, callback_group=group)


def status_marker(mode, value, risk, tcp, frame: str, stamp) -> Marker:
    """The text 'MODE value v risk r', coloured by mode, 0.15 m above the TCP."""
    text, colour = status_label(mode, value, risk)
    marker = Marker(ns="uniintervene", id=0, type=Marker.TEXT_VIEW_FACING, text=text)
    marker.header.stamp, marker.header.frame_id = stamp, frame
    tcp = np.zeros(3) if tcp is None else tcp
    marker.pose.position.x, marker.pose.position.y = float(tcp[0]), float(tcp[1])
    marker.pose.position.z = float(tcp[2]) + 0.15
    marker.pose.orientation.w = 1.0
    marker.scale.z = 0.05  # text height, m
    marker.color.r, marker.color.g, marker.color.b, marker.color.a = colour
    return marker
