"""image_saver: write the camera stream to PNG files, for machines without rqt_image_view.

    image_saver --ros-args -p directory:=frames -p every_n:=5

Each saved frame is written to a temporary name and renamed, so a viewer never opens a
half-written file.
"""

import pathlib
import sys

import cv2
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image

from uniintervene_common import conversions as conv
from uniintervene_common.node import GuardedNode, run
from uniintervene_common.params import declare_parameters
from uniintervene_sim.schema import IMAGE_SAVER


class ImageSaver(GuardedNode):
    def __init__(self):
        super().__init__("image_saver")
        self.p = declare_parameters(self, IMAGE_SAVER)
        topic, self.directory = self.p.topic, pathlib.Path(self.p.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.received = self.saved = 0
        self.create_subscription(Image, topic, self.on_image, qos_profile_sensor_data)
        self.get_logger().info(
            f"saving every {self.p.every_n}th frame of {topic} to {self.directory}"
        )

    def on_image(self, msg: Image) -> None:
        self.received += 1
        if (self.received - 1) % self.p.every_n:
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
