"""supervisor_node's episode recording: one MCAP file per episode, named by the cell's
topic names. A recording that cannot be opened or written is dropped for that episode,
as a counted fault: supervision, which commands the robot, never depends on a log."""

import pathlib
import time

from rclpy.serialization import serialize_message

from uniintervene_supervisor.recorder import EpisodeRecorder


class EpisodeRecording:
    def __init__(self, node, types: dict):
        """node: the supervisor (its parameters, count_fault); types: topic -> type name."""
        self.node, self.types = node, types
        self.recorder = None
        self.names = {}  # our relative name -> this cell's: /cell_2/joint_states

    def open(self, task: str, seed: int) -> str:
        """Start recording an episode; its path, or '' when recording is off or failed."""
        node = self.node
        if not node.p.record:
            return ""
        name = f"{time.strftime('%Y%m%d-%H%M%S')}_{task or 'task'}_{seed}.mcap"
        path = str(pathlib.Path(node.p.recording_dir) / name)
        try:
            self.recorder = EpisodeRecorder(path)
        except Exception as error:  # noqa: BLE001 (the episode runs unrecorded)
            self.stop(error)
            return ""
        return path

    def write(self, topic: str, msg, raw: bytes | None = None) -> None:
        if self.recorder is None:
            return
        if topic not in self.names:
            self.names[topic] = self.node.resolve_topic_name(topic)
        try:
            self.recorder.write(
                self.names[topic], self.types[topic], raw or serialize_message(msg), time.time_ns()
            )
        except Exception as error:  # noqa: BLE001 (disk full, a missing message definition)
            self.stop(error)

    def stop(self, error: Exception) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is not None:
            try:
                recorder.close()
            except Exception:  # noqa: BLE001 (the file is already broken)
                pass
        self.node.count_fault("recording", error)

    def close(self) -> None:
        """The episode ended (or the node stops): close the file with its summary."""
        recorder, self.recorder = self.recorder, None
        if recorder is not None:
            try:
                recorder.close()
            except Exception as error:  # noqa: BLE001
                self.node.count_fault("recording", error)
