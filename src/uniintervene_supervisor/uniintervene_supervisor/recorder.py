"""Episode recording to MCAP in rosbag2's layout (profile "ros2", ros2msg schemas, CDR).

Messages are written unchunked and the file is flushed every `flush_period` seconds, so a
crash or Ctrl-C loses at most that fraction of a second; each episode is its own file,
closed (with its summary) when the episode ends, so earlier episodes are never touched.
`read_recording` also reads a file whose writer was killed (no summary, a cut record).
"""

import pathlib
import re
import struct
import time

from ament_index_python.packages import get_package_share_directory
from mcap.exceptions import McapError
from mcap.records import Channel, Message, Schema
from mcap.stream_reader import StreamReader
from mcap.writer import CompressionType, Writer

BUILTIN = {
    "bool",
    "byte",
    "char",
    "float32",
    "float64",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "string",
    "wstring",
    "time",
    "duration",
}
FIELD = re.compile(r"^\s*([A-Za-z0-9_/]+)(?:<=\d+)?(?:\[[^\]]*\])?\s+([A-Za-z0-9_]+)\s*(=.*)?$")


def _msg_text(type_name: str) -> str:
    package, _, name = type_name.split("/")
    path = pathlib.Path(get_package_share_directory(package)) / "msg" / f"{name}.msg"
    return path.read_text()


def _dependencies(package: str, text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        match = FIELD.match(line.split("#", 1)[0])
        if not match or match.group(3):  # not a field, or a constant
            continue
        field_type = match.group(1)
        if field_type in BUILTIN:
            continue
        if field_type == "Header":
            field_type = "std_msgs/Header"
        if "/" not in field_type:
            field_type = f"{package}/{field_type}"
        pkg, name = field_type.split("/")[0], field_type.split("/")[-1]
        full = f"{pkg}/msg/{name}"
        if full not in found:
            found.append(full)
    return found


def message_definition(type_name: str) -> str:
    """The concatenated .msg text rosbag2 stores as an MCAP schema (ros2msg)."""
    text = _msg_text(type_name)
    seen, order = set(), []

    def visit(name: str) -> None:
        for dependency in _dependencies(name.split("/", maxsplit=1)[0], _msg_text(name)):
            if dependency not in seen:
                seen.add(dependency)
                order.append(dependency)
                visit(dependency)

    visit(type_name)
    parts = [text]
    for dependency in order:
        package, _, name = dependency.split("/")
        parts.append("=" * 80 + f"\nMSG: {package}/{name}\n" + _msg_text(dependency))
    return "\n".join(parts)


class EpisodeRecorder:
    def __init__(self, path, flush_period: float = 0.2):
        self.path = pathlib.Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "wb")
        self._writer = Writer(self._file, use_chunking=False, compression=CompressionType.NONE)
        self._writer.start(profile="ros2", library="uniintervene")
        self._channels: dict[str, int] = {}
        self._schemas: dict[str, int] = {}
        self._flush_period = flush_period
        self._flushed_at = time.monotonic()
        self._sequence = 0
        self.messages = 0

    def _channel(self, topic: str, type_name: str) -> int:
        if topic not in self._channels:
            if type_name not in self._schemas:
                self._schemas[type_name] = self._writer.register_schema(
                    name=type_name, encoding="ros2msg", data=message_definition(type_name).encode()
                )
            self._channels[topic] = self._writer.register_channel(
                topic=topic,
                message_encoding="cdr",
                schema_id=self._schemas[type_name],
                metadata={"offered_qos_profiles": ""},
            )
        return self._channels[topic]

    def write(self, topic: str, type_name: str, cdr: bytes, stamp_ns: int) -> None:
        if self._file.closed:
            return
        self._sequence += 1
        self._writer.add_message(
            self._channel(topic, type_name),
            log_time=stamp_ns,
            data=cdr,
            publish_time=stamp_ns,
            sequence=self._sequence,
        )
        self.messages += 1
        if time.monotonic() - self._flushed_at >= self._flush_period:
            self._file.flush()
            self._flushed_at = time.monotonic()

    def close(self) -> None:
        if not self._file.closed:
            self._writer.finish()
            self._file.close()


def read_recording(path):
    """[(topic, type_name, cdr bytes, log_time ns)] — tolerates a cut-off file."""
    schemas, channels, messages = {}, {}, []
    with open(path, "rb") as stream:
        try:
            for record in StreamReader(stream, skip_magic=False).records:
                if isinstance(record, Schema):
                    schemas[record.id] = record.name
                elif isinstance(record, Channel):
                    channels[record.id] = (record.topic, schemas.get(record.schema_id, ""))
                elif isinstance(record, Message) and record.channel_id in channels:
                    topic, type_name = channels[record.channel_id]
                    messages.append((topic, type_name, record.data, record.log_time))
        except (McapError, EOFError, ValueError, IndexError, struct.error):
            pass  # a writer that died mid-record (or garbage): keep everything before the cut
    return messages
