"""image_saver: write the camera stream to PNG files, for machines without rqt_image_view.

    image_saver --ros-args -p directory:=frames -p every_n:=5

Each saved frame is written to a temporary name and renamed, so a viewer never opens a
half-written file.
"""

import pathlib
import sys

import cv2
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image

from uniintervene_sim import ros_conversions as conv
from uniintervene_sim.nodes.common import declare, run


class ImageSaver(Node):
    def __init__(self):
        super().__init__("image_saver")
        topic = declare(self, "topic", "/camera/camera/color/image_raw", "image topic to save")
        self.directory = pathlib.Path(declare(self, "directory", "frames", "output folder"))
        self.every_n = declare(self, "every_n", 5, "save one frame in this many", 1, 1000)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.received = self.saved = 0
        self.create_subscription(Image, topic, self.on_image, qos_profile_sensor_data)
        self.get_logger().info(
            f"saving every {self.every_n}th frame of {topic} to {self.directory}"
        )

    def on_image(self, msg: Image) -> None:
        self.received += 1
        if (self.received - 1) % self.every_n:
            return
        try:
            image = conv.image_from_msg(msg)
        except ValueError as error:
            self.get_logger().warn(f"skipped a frame: {error}", throttle_duration_sec=5.0)
            return
        path = self.directory / f"frame_{self.saved:06d}.png"
        temporary = path.with_suffix(".tmp.png")
        cv2.imwrite(str(temporary), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        temporary.replace(path)
        self.saved += 1


def main(args=None):
    return run(ImageSaver, args)


if __name__ == "__main__":
    sys.exit(main())
