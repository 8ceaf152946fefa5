"""Command line of the recovery: build the memory and train the policy from episodes.

    python -m uniintervene_recovery.cli train --data data/episodes --critic models/critic \
        --out models/recovery
(on a robot computer: ros2 run uniintervene_recovery recovery_cli train ...)
"""

import argparse
import json
import pathlib
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="recovery_cli", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="build memory.safetensors and train the policy")
    train.add_argument("--data", required=True, type=pathlib.Path, help="episode folder")
    train.add_argument("--critic", required=True, type=pathlib.Path, help="critic model folder")
    train.add_argument("--out", required=True, type=pathlib.Path, help="recovery model folder")
    train.add_argument("--epochs", type=int, default=60)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--device", choices=["cpu", "cuda"], default="cpu", help="where a V-JEPA 2 critic runs"
    )
    args = parser.parse_args(argv)

    from uniintervene_critic.dataset import EpisodeFileError
    from uniintervene_critic.model import ModelFileError

    try:
        train_recovery(args.data, args.critic, args.out, args.epochs, args.seed, args.device)
    except (EpisodeFileError, ModelFileError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def train_recovery(data, critic_path, out, epochs: int = 60, seed: int = 0,
                   device: str = "cpu") -> dict:  # fmt: skip
    """Build the memory and train the policy on the critic's latents of an episode folder;
    print its figures; the report."""
    import numpy as np

    from uniintervene_critic.dataset import load_episodes
    from uniintervene_critic.model import CriticBundle
    from uniintervene_recovery.build import build_memory, plot_history
    from uniintervene_recovery.policy import PolicyConfig, train_policy

    out = pathlib.Path(out)
    critic = CriticBundle.load(critic_path, device=device)
    memory, segments = build_memory(load_episodes(data), critic)
    if len(segments) < 2:
        raise ValueError(
            f"only {len(segments)} intervention segments in {data}: "
            "record episodes with interventions first"
        )
    order = np.random.default_rng(seed).permutation(len(segments))
    cut = max(1, round(0.8 * len(segments)))
    train_segments = [segments[i] for i in order[:cut]]
    test_segments = [segments[i] for i in order[cut:]] or train_segments[-1:]
    config = PolicyConfig(latent_dim=critic.config.latent_dim)
    policy, history = train_policy(train_segments, test_segments, config, epochs, seed)
    policy.save(out)
    memory.save(out / "memory.safetensors")
    plot_history(out / "recovery_losses.png", history)
    report = {"memory_entries": len(memory), "segments": len(segments), **config.metrics}
    (out / "recovery_report.json").write_text(json.dumps(report, indent=2))
    m = config.metrics
    print(f"memory: {len(memory)} entries from {len(segments)} intervention segments")
    print(
        f"held-out action MSE {m['test_action_mse']:.4f} (without goal "
        f"{m['test_action_mse_without_goal']:.4f}, mean-action baseline "
        f"{m['test_action_mse_mean_baseline']:.4f})"
    )
    print(f"written to {out}")
    return report


if __name__ == "__main__":
    sys.exit(main())
