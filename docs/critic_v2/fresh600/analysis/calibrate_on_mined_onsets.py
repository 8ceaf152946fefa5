"""Calibrate the rule on mined segments backdated by the mining window (their onsets, as
`progress_onset` backdates the progress segments), then score it on the test split against
every privileged label set. Writes calibrate_on_mined_onsets.json."""

import json

from common import episodes, seed_split, seeds

from uniintervene_critic.calibration import calibrate_temporal, f1_of
from uniintervene_critic.labels import privileged_label_sets, segments
from uniintervene_critic.mining import load_mining_config, mined_flags
from uniintervene_critic.risk import TemporalRiskCritic
from uniintervene_critic.risk_training import scored_against

mining = load_mining_config(None)
all_episodes, out = episodes(), {}
for seed in seeds():
    _, calibration, test, traced = seed_split(all_episodes, seed)
    cal_q, test_q = [traced(e)["q"] for e in calibration], [traced(e)["q"] for e in test]
    label_sets = privileged_label_sets(test)
    out[seed] = {}
    for lead in (0, mining.window):
        mined = [
            [(max(a - lead, 0), c) for a, c in segments(mined_flags(q, e.sources, mining))]
            for e, q in zip(calibration, cal_q, strict=True)
        ]
        config, _ = calibrate_temporal(cal_q, mined, f"mined, lead {lead}")

        def score_of(labels, config=config, traces=test_q):
            return f1_of(lambda: TemporalRiskCritic(config), traces, labels)

        out[seed][lead] = scored_against(score_of, label_sets)
        print(seed, lead, json.dumps(out[seed][lead]), flush=True)
with open("calibrate_on_mined_onsets.json", "w") as file:
    json.dump(out, file, indent=1)
