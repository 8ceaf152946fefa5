"""Record episodes on the simulated cell: base policy + simulated operator (HiL-SERL).

The Gymnasium loop, as fast as the CPU allows. Each episode is written as soon as it
ends, so Ctrl-C loses at most the episode in progress.
"""

import pathlib

import numpy as np
from tqdm import tqdm

from uniintervene_critic.dataset import HUMAN, POLICY, Episode, save_episode


def collect(
    out_dir,
    tasks,
    episodes_per_task: int,
    seed: int = 0,
    image_size: int = 128,
    failure_rate: float = 0.6,
    progress: bool = True,
    cameras: str = "wrist",
) -> list[pathlib.Path]:
    """`cameras`: "wrist" (one view) or "both" (the wrist and the scene camera)."""
    # The simulator is needed only to make training data, not to run the critic.
    from uniintervene_sim.base_policy import BasePolicy, BasePolicyConfig
    from uniintervene_sim.cell import SimCell
    from uniintervene_sim.model import CameraConfig
    from uniintervene_sim.operator import SimulatedOperator

    out_dir = pathlib.Path(out_dir)
    camera = CameraConfig(mount=cameras, width=image_size, height=image_size)
    cell = SimCell(tasks[0], camera=camera)
    policy = BasePolicy(BasePolicyConfig(failure_rate=failure_rate))
    operator = SimulatedOperator()
    jobs = [(task, seed + i) for task in tasks for i in range(episodes_per_task)]
    written = []
    for task, episode_seed in tqdm(jobs, desc="collecting episodes", disable=not progress):
        episode = record_episode(cell, task, episode_seed, policy, operator)
        path = out_dir / f"{task}_{episode_seed:06d}.safetensors"
        save_episode(episode, path)
        written.append(path)
    cell.close()
    return written


def record_episode(cell, task: str, seed: int, policy, operator) -> Episode:
    observation = cell.reset(task, seed)
    policy.reset(seed)
    operator.reset()
    names = ("images", "joint_pos", "gripper", "actions", "sources", "progress", "warning")
    rows = {k: [] for k in (*names, "faults")}
    for _ in range(round(cell.task.episode_seconds / 0.1)):
        scene, status = cell.scene(), cell.status()
        action, source = policy.act(scene, cell.task), POLICY
        rows["faults"].append(bool(policy.fault))  # privileged: what the trigger should catch
        decision = operator.step(cell.time, status, scene, cell.task.expert)
        if decision.engaged:
            action, source = decision.action, HUMAN
        rows["images"].append(observation["image"])
        if "scene_image" in observation:
            rows.setdefault("scene_images", []).append(observation["scene_image"])
        rows["joint_pos"].append(observation["joint_pos"])
        rows["gripper"].append(observation["gripper"])
        rows["actions"].append(np.asarray(action, np.float32))
        rows["sources"].append(source)
        rows["progress"].append(status.progress)
        rows["warning"].append(status.warning)
        observation = cell.step(action)
        status = cell.status()
        if status.success or status.failure:
            break
    arrays = {
        "images": np.stack(rows["images"]).astype(np.uint8),
        "scene_images": np.stack(rows["scene_images"]) if "scene_images" in rows else None,
        "joint_pos": np.stack(rows["joint_pos"]).astype(np.float32),
        "gripper": np.stack(rows["gripper"]).astype(np.float32),
        "actions": np.stack(rows["actions"]).astype(np.float32),
        "sources": np.array(rows["sources"], np.uint8),
        "progress": np.array(rows["progress"], np.float32),
        "warning": np.array(rows["warning"], np.uint8),
        "faults": np.array(rows["faults"], np.uint8),
    }
    return Episode(
        task=task,
        seed=seed,
        success=bool(status.success),
        failure_reason=status.failure_reason,
        **arrays,
    )
