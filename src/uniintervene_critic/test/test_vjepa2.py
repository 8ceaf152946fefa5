"""V-JEPA 2 end to end on a tiny, locally saved, randomly initialised config: training
computes clip latents, the bundle records the encoder (never its weights), loading finds
it again or says why not, the runtime's ring buffer gives training's latents, and
critic_node publishes from such a bundle."""

import itertools
import json

import numpy as np
import pytest
import torch
from rclpy.qos import qos_profile_sensor_data
from safetensors import safe_open
from sensor_msgs.msg import Image, JointState
from transformers import VJEPA2Config, VJEPA2Model

from uniintervene_common.conversions import FINGER_JOINTS
from uniintervene_common.kinematics import JOINT_NAMES
from uniintervene_critic.encoders import SimCNNEncoder, VJEPA2Encoder
from uniintervene_critic.model import (
    CONFIG,
    WEIGHTS,
    ActionValueModel,
    CriticBundle,
    CriticConfig,
    ModelFileError,
)
from uniintervene_critic.runtime import CriticRuntime
from uniintervene_critic.train import TrainConfig, episode_tensors, train_critic
from uniintervene_msgs.msg import Latent, ValueEstimate

HIDDEN, CROP = 32, 32
JOINTS = JOINT_NAMES + FINGER_JOINTS


def tiny_config(hidden=HIDDEN):
    return VJEPA2Config(
        hidden_size=hidden,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        crop_size=CROP,
        patch_size=8,
        frames_per_clip=4,
        tubelet_size=2,
        pred_hidden_size=32,
        pred_num_hidden_layers=1,
        pred_num_attention_heads=2,
        pred_num_mask_tokens=2,
        num_pooler_layers=1,
    )


@pytest.fixture(scope="module")
def vjepa2_folder(tmp_path_factory):
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("models") / "vjepa2_tiny"
    VJEPA2Model(tiny_config()).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def trained(vjepa2_folder, tmp_path_factory, synthetic_episode):
    episodes = [synthetic_episode(i, success=i % 2 == 0) for i in range(6)]
    out = tmp_path_factory.mktemp("critic")
    config = TrainConfig(
        encoder="vjepa2",
        vjepa2_model=str(vjepa2_folder),
        clip_length=4,
        stride=2,
        value_epochs=3,
        batch_size=64,
    )
    report = train_critic(episodes, out, config, progress=False)
    return out, report, episodes


def test_training_records_the_encoder_and_never_copies_its_weights(trained, vjepa2_folder):
    out, report, _ = trained
    recorded = json.loads((out / CONFIG).read_text())
    assert recorded["encoder"] == "vjepa2" and recorded["latent_dim"] == HIDDEN
    assert recorded["encoder_source"] == str(vjepa2_folder.resolve())
    assert (recorded["clip_length"], recorded["stride"], recorded["image_size"]) == (4, 2, CROP)
    assert report["autoencoder_loss"] == []  # frozen as it is: no pretraining
    with safe_open(str(out / WEIGHTS), framework="pt") as weights:
        names = list(weights.keys())
    assert names and not any(n.startswith("encoder.") for n in names)
    assert all(n.startswith(("model.", "failure.", "risk_head.")) for n in names)


def test_runtime_latent_at_each_tick_equals_the_training_latent(trained):
    out, _, episodes = trained
    bundle = CriticBundle.load(out)
    assert isinstance(bundle.encoder, VJEPA2Encoder) and bundle.encoder.frames_needed == 7
    episode = episodes[1]
    config = TrainConfig(image_size=bundle.config.image_size, horizon=bundle.config.horizon)
    expected = episode_tensors(episode, bundle.encoder, config, bundle.config.latent_scale)
    runtime = CriticRuntime(bundle)
    for _ in range(2):  # a second episode after reset() starts with an empty buffer
        for t in range(len(episode)):
            step = runtime.step(episode.images[t], episode.proprio[t], episode.actions[t])
            assert np.allclose(step.latent, expected["latent"][t].numpy(), atol=1e-5), t
        runtime.reset()


def test_sim_cnn_runtime_latent_equals_the_training_latent(synthetic_episode):
    torch.manual_seed(0)
    config = CriticConfig(latent_dim=16, hidden=32, latent_scale=2.0)
    bundle = CriticBundle(config, SimCNNEncoder(16).eval(), ActionValueModel(config).eval())
    episode = synthetic_episode(0, True, n=5)
    expected = episode_tensors(episode, bundle.encoder, TrainConfig(), config.latent_scale)
    runtime = CriticRuntime(bundle)
    assert bundle.encoder.frames_needed == 1
    for t in range(len(episode)):
        step = runtime.step(episode.images[t], episode.proprio[t], episode.actions[t])
        assert np.allclose(step.latent, expected["latent"][t].numpy(), atol=1e-6)


def test_encoder_source_overrides_the_recorded_folder(trained, vjepa2_folder, tmp_path):
    out, _, _ = trained
    moved = tmp_path / "elsewhere"
    VJEPA2Model.from_pretrained(vjepa2_folder).save_pretrained(moved)
    assert CriticBundle.load(out, encoder_source=str(moved)).encoder.source == str(moved)


def test_vjepa2_that_cannot_be_loaded_is_a_clear_model_file_error(trained, tmp_path):
    out, _, _ = trained
    with pytest.raises(ModelFileError, match=r"local folder .*nothing does not exist"):
        CriticBundle.load(out, encoder_source=str(tmp_path / "nothing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFileError, match="V-JEPA 2 weights from local folder"):
        CriticBundle.load(out, encoder_source=str(tmp_path / "empty"))
    VJEPA2Model(tiny_config(hidden=16)).save_pretrained(tmp_path / "other")
    with pytest.raises(ModelFileError, match="hidden size 16, crop 32; the critic"):
        CriticBundle.load(out, encoder_source=str(tmp_path / "other"))


def test_old_sim_cnn_bundles_without_the_encoder_fields_still_load(tmp_path):
    config = CriticConfig(latent_dim=16, hidden=32)
    CriticBundle(config, SimCNNEncoder(16), ActionValueModel(config)).save(tmp_path)
    raw = json.loads((tmp_path / CONFIG).read_text())
    for name in ("encoder_source", "clip_length", "stride", "encoder_dtype"):
        del raw[name]
    (tmp_path / CONFIG).write_text(json.dumps(raw))
    loaded = CriticBundle.load(tmp_path)
    assert isinstance(loaded.encoder, SimCNNEncoder) and loaded.config.clip_length == 1
    raw["encoder"] = "dino"
    (tmp_path / CONFIG).write_text(json.dumps(raw))
    with pytest.raises(ModelFileError, match="unknown encoder 'dino'"):
        CriticBundle.load(tmp_path)


def image_msg(ros, pixels):
    msg = Image(width=pixels.shape[1], height=pixels.shape[0], encoding="rgb8")
    msg.step, msg.data = pixels.shape[1] * 3, pixels.tobytes()
    msg.header.stamp = ros.node.get_clock().now().to_msg()
    return msg


@pytest.mark.ros
def test_critic_node_publishes_from_a_vjepa2_bundle(trained, ros, start_node):
    out, _, episodes = trained
    node = start_node("uniintervene_critic", "critic_node", params={"model_path": str(out)})
    image_pub = ros.node.create_publisher(
        Image, "/camera/camera/color/image_raw", qos_profile_sensor_data
    )
    joints_pub = ros.node.create_publisher(JointState, "/joint_states", 10)
    values = ros.probe(ValueEstimate, "/uniintervene/critic/value")
    latents = ros.probe(Latent, "/uniintervene/critic/latent")
    ros.wait_for_subscribers(image_pub, timeout=20.0)
    frames = itertools.cycle(np.concatenate([e.images for e in episodes]))

    def feed():
        joints_pub.publish(JointState(name=JOINTS, position=[0.1] * 8))
        image_pub.publish(image_msg(ros, next(frames)))
        ros.spin_for(0.1)
        return sum(v.valid for v in values.messages) >= 10

    ros.spin_until(feed, 60.0, "10 valid value estimates from the V-JEPA 2 critic")
    valid = [v for v in values.messages if v.valid]
    assert all(0.0 < v.value < 1.0 and 0.0 < v.state_value < 1.0 for v in valid)
    assert any(np.isfinite(v.prediction_error) for v in valid)  # after the horizon
    latent = latents.wait_for()
    assert latent.encoder == "vjepa2" and len(latent.data) == HIDDEN
    assert np.all(np.isfinite(latent.data))
    assert node.is_alive()


def test_vjepa2_encoder_on_a_tiny_local_config():
    torch.manual_seed(0)
    encoder = VJEPA2Encoder(VJEPA2Model(tiny_config()), clip_length=4, stride=2)
    assert encoder.frames_needed == 7
    frames = np.random.default_rng(0).integers(0, 255, (2, 9, 48, 48, 3), dtype=np.uint8)
    latent = encoder.encode(frames)
    assert latent.shape == (2, 32) and torch.isfinite(latent).all()
    # Early in an episode (fewer frames than a clip) the oldest frame is repeated.
    assert encoder.encode(frames[:, :3]).shape == (2, 32)
    # Different content -> different latents; same content -> same latent.
    assert not torch.allclose(latent[0], latent[1])
    assert torch.allclose(encoder.encode(frames[:1]), latent[:1], atol=1e-5)
    with pytest.raises(ValueError, match="multiple of tubelet"):
        VJEPA2Encoder(VJEPA2Model(tiny_config()), clip_length=3)
