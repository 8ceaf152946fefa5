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
# What a receiver of commands queues: deep enough that a burst arriving while its thread is
# busy (a disk flush, a slow tick) is still seen and counted, not dropped by DDS. Only the
# newest command is ever used, and its age runs from its arrival, so depth adds no lag.
COMMAND_INPUTS = QoSProfile(
    depth=100, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST
)
# Learner transitions: reliable and deep, so a learner busy with a gradient step loses none
# (and a lost one shows as a sequence gap).
TRANSITIONS = QoSProfile(
    depth=1000, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST
)
LATCHED = QoSProfile(
    depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL
)
