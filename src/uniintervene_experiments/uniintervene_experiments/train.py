"""`uniintervene train`: the critic, then the recovery on the critic's latents."""

import pathlib


def train_all(data: pathlib.Path, models: pathlib.Path, seed: int = 0,
              encoder: dict | None = None) -> None:  # fmt: skip
    """The critic, then the recovery on the critic's latents (each package's own trainer);
    `encoder`: TrainConfig's encoder fields (V-JEPA 2's device also runs the recovery's)."""
    from uniintervene_critic.cli import train_from_folder
    from uniintervene_critic.train import TrainConfig
    from uniintervene_recovery.cli import train_recovery

    encoder = encoder or {}
    train_from_folder(data, models / "critic", TrainConfig(seed=seed, **encoder))
    train_recovery(data, models / "critic", models / "recovery", seed=seed,
                   device=encoder.get("device") or "cpu")  # fmt: skip
