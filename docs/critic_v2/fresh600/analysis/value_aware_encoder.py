"""A value-aware encoder: the recipe's CNN autoencoder pretrained with a second loss, a
small value head on its latent regressing the proxy value (weight VALUE_WEIGHT), so the
latent keeps what tells task stages apart rather than only what reconstructs pixels.
Then, as the recipe does: the encoder frozen, predictor + value head trained on its
latents (early-stopped on the calibration split), the rule calibrated on the calibration
split's mined labels, scored on the test split. Writes value_aware_encoder_<SET>.json."""

import json
import os
import time

import numpy as np
import torch
from common import episodes, rule_on_mined_labels, save, seeds
from torch import nn
from torch.nn import functional as F

from uniintervene_critic.encoders import (
    EpisodeLatentCache,
    SimCNNDecoder,
    SimCNNEncoder,
    resize_frames,
)
from uniintervene_critic.labels import privileged_label_sets, proxy_values
from uniintervene_critic.model import CriticConfig
from uniintervene_critic.risk_training import traces
from uniintervene_critic.train import (
    TrainConfig,
    concat,
    episode_tensors,
    split_episodes,
    train_value_model,
)

VALUE_WEIGHT = float(os.environ.get("VALUE_WEIGHT", "1.0"))


def pretrain(frames, values, config: TrainConfig):
    encoder = SimCNNEncoder(config.latent_dim, config.image_size)
    decoder = SimCNNDecoder(config.latent_dim, config.image_size)
    head = nn.Sequential(nn.Linear(config.latent_dim, 64), nn.GELU(), nn.Linear(64, 1))
    parameters = [*encoder.parameters(), *decoder.parameters(), *head.parameters()]
    optimiser = torch.optim.AdamW(parameters, lr=config.learning_rate)
    generator = torch.Generator().manual_seed(config.seed)
    for epoch in range(config.autoencoder_epochs):
        order = torch.randperm(len(frames), generator=generator)
        sums = np.zeros(2)
        for start in range(0, len(frames), config.batch_size):
            pick = order[start : start + config.batch_size]
            latent = encoder.forward_images(frames[pick])
            reconstruction = F.mse_loss(decoder(latent), frames[pick])
            value = F.mse_loss(torch.sigmoid(head(latent)).squeeze(-1), values[pick])
            optimiser.zero_grad()
            (reconstruction + VALUE_WEIGHT * value).backward()
            optimiser.step()
            sums += (reconstruction.item(), value.item())
        batches = start // config.batch_size + 1
        print("epoch", epoch + 1, "reconstruction, value MSE", sums / batches, flush=True)
    return encoder.eval().requires_grad_(False)


all_episodes, out = episodes(), {}
for seed in seeds():
    started = time.time()
    torch.manual_seed(seed)
    config = TrainConfig(seed=seed)
    train_eps, calibration, test = split_episodes(all_episodes, seed)
    frames = torch.cat([resize_frames(e.images, config.image_size) for e in train_eps])
    values = torch.from_numpy(np.concatenate([proxy_values(e) for e in train_eps]))
    encoder = pretrain(frames, values, config)
    with torch.no_grad():
        scale = float(encoder.forward_images(frames[:2048]).std()) or 1.0
    del frames
    cache = EpisodeLatentCache(encoder)
    critic_config = CriticConfig(latent_dim=config.latent_dim, latent_scale=scale)
    tensors = {
        name: [episode_tensors(e, cache, config, scale) for e in eps]
        for name, eps in (("train", train_eps), ("cal", calibration), ("test", test))
    }
    model, history = train_value_model(
        concat(tensors["train"]),
        concat(tensors["test"]),
        critic_config,
        config,
        progress=False,
        validation=concat(tensors["cal"]),
    )
    cal_q = [traces(model, t)["q"] for t in tensors["cal"]]
    test_q = [traces(model, t)["q"] for t in tensors["test"]]
    out[seed] = rule_on_mined_labels(
        cal_q, test_q, calibration, privileged_label_sets(test), "value-aware"
    ) | {
        "kept_epoch": history.get("kept_epoch"),
        "test_q_loss": round(history["test_q_loss"][history["kept_epoch"] - 1], 5),
        "seconds": round(time.time() - started),
    }
    print(seed, json.dumps(out[seed]), flush=True)
save("value_aware_encoder", out)
