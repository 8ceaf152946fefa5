"""Command line of the critic: train, evaluate (episodes come from `uniintervene collect`
on the simulated cell or `uniintervene import` of recordings).

    python -m uniintervene_critic.cli train --data data/episodes --out models/critic --seed 0
    python -m uniintervene_critic.cli evaluate --report models/critic
    # on a robot computer (GPU), the frozen V-JEPA 2 encoder instead of the sim autoencoder:
    python -m uniintervene_critic.cli train --data data/episodes --out models/critic \
        --encoder vjepa2 --vjepa2-model facebook/vjepa2-vitl-fpc64-256 --device cuda
(on a robot computer: ros2 run uniintervene_critic critic_cli <command> ...)
"""

import argparse
import json
import pathlib
import sys

ENCODER_OPTIONS = ("encoder", "vjepa2_model", "clip_length", "stride", "device", "dtype")


def print_table(report: dict) -> None:
    print(
        f"\nheld-out: Q-loss {report['q_loss']:.4f}, state-value loss "
        f"{report['state_value_loss']:.4f}, latent prediction MSE "
        f"{report['latent_prediction_error']:.4f} (copy-z_t baseline "
        f"{report['latent_prediction_copy_baseline']:.4f}), VOC "
        f"{report['value_order_correlation']:.3f}"
    )
    losses = {
        "uniintervene": report["q_loss"],
        "without_future_prediction": report["state_value_loss"],
        "without_value_prediction": float("nan"),
        "without_temporal_critic": report["q_loss"],
    }
    print(
        f"\n{'variant':<28}{'Q-loss':>8}{'trigger F1':>12}{'precision':>11}{'recall':>8}"
        f"{'F1 vs onsets':>14}{'F1 vs faults':>14}"
    )
    for variant, result in report["triggers"].items():
        if "trigger_f1" not in result:
            print(f"{variant:<28}skipped: {result.get('skipped', '?')}")
            continue
        onsets, faults = (
            result.get(f"vs_{name}", {}).get("trigger_f1", float("nan"))
            for name in ("progress_onset", "faults")
        )
        print(
            f"{variant:<28}{losses.get(variant, float('nan')):>8.4f}{result['trigger_f1']:>12.3f}"
            f"{result['precision']:>11.3f}{result['recall']:>8.3f}{onsets:>14.3f}{faults:>14.3f}"
        )
    print(
        "(trigger F1 on the test split against the privileged unproductive segments from\n"
        " task progress; 'vs onsets' against the same segments from where their stall may\n"
        " have begun (a trigger up to one label window early is a hit); 'vs faults' against\n"
        " the base policy's recorded faults, where recorded)"
    )
    learned = report["triggers"].get("learned_risk", {})
    if "mined_label_agreement" in learned:
        agree = learned["mined_label_agreement"]["test"]
        print(
            f"mined labels vs privileged, test ticks: precision {agree['precision']:.3f}, "
            f"recall {agree['recall']:.3f}; the bundle holds the {report['trigger']} trigger"
        )


def add_encoder_arguments(parser) -> None:
    """--encoder and its V-JEPA 2 settings (also on `uniintervene train`); the defaults
    are TrainConfig's (not repeated here, so that importing torch waits for training)."""
    parser.add_argument(
        "--encoder", choices=["sim_cnn", "vjepa2"], help="frozen encoder (default sim_cnn)"
    )
    parser.add_argument(
        "--vjepa2-model",
        help="V-JEPA 2 hub id or local folder (default facebook/vjepa2-vitl-fpc64-256)",
    )
    parser.add_argument("--clip-length", type=int, help="V-JEPA 2 frames per clip (default 16)")
    parser.add_argument("--stride", type=int, help="ticks between a clip's frames (default 2)")
    parser.add_argument("--device", choices=["cpu", "cuda"], help="where V-JEPA 2 runs (cpu)")
    parser.add_argument(
        "--dtype", choices=["float32", "bfloat16", "float16"], help="V-JEPA 2 weights (float32)"
    )


def encoder_options(args) -> dict:
    """The encoder options given on the command line, as TrainConfig fields."""
    return {n: getattr(args, n) for n in ENCODER_OPTIONS if getattr(args, n) is not None}


def train_from_folder(data: pathlib.Path, out: pathlib.Path, config) -> dict:
    """Train a critic (`TrainConfig`) on an episode folder, print its figures; the report."""
    from uniintervene_critic.dataset import load_episodes
    from uniintervene_critic.train import train_critic

    report = train_critic(load_episodes(data), out, config)
    print_table(report)
    print(f"\nmodel, report and loss plot written to {out}")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="critic_cli", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train the critic on recorded episodes")
    train.add_argument("--data", required=True, type=pathlib.Path, help="episode folder")
    train.add_argument("--out", required=True, type=pathlib.Path, help="model folder")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--autoencoder-epochs", type=int, default=8)
    train.add_argument("--value-epochs", type=int, default=40)
    train.add_argument(
        "--value-members", type=int, default=1, help="action-value models averaged (default 1)"
    )
    train.add_argument(
        "--hold",
        choices=["rule", "learned", "calibration"],
        default="rule",
        help="the trigger the bundle holds (calibration: the better on mined calibration labels)",
    )
    add_encoder_arguments(train)
    evaluate = commands.add_parser("evaluate", help="print a trained critic's figures")
    evaluate.add_argument("--report", required=True, type=pathlib.Path, help="model folder")
    args = parser.parse_args(argv)

    from uniintervene_critic.dataset import EpisodeFileError

    try:
        if args.command == "train":
            from uniintervene_critic.train import TrainConfig

            config = TrainConfig(
                seed=args.seed,
                autoencoder_epochs=args.autoencoder_epochs,
                value_epochs=args.value_epochs,
                value_members=args.value_members,
                hold=args.hold,
                **encoder_options(args),
            )
            train_from_folder(args.data, args.out, config)
        else:
            print_table(json.loads((args.report / "training_report.json").read_text()))
    except (EpisodeFileError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: files already written are complete", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
