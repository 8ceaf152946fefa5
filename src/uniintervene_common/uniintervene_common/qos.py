"""QoS profiles of the interface contract.

Images use sensor-data QoS (best effort, which also matches the RealSense node's
SYSTEM_DEFAULT publishers); commands are reliable with shallow queues; state that a late
subscriber must still see (control mode, the UR program state) is transient local.
"""

from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    QoSProfile,
    ReliabilityPolicy,
    qos_profile_sensor_data,
)

SENSOR = qos_profile_sensor_data
COMMANDS = QoSProfile(
    depth=10, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST
)
LATCHED = QoSProfile(
    depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL
)
