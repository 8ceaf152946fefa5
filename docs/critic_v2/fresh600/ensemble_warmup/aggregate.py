"""The default recipe retrained end to end (5-member value ensemble, warm-up 30): each
seed's held-out figures from its training report, mean ± std over seeds. Run as
`python aggregate.py /tmp/exp7/critic_seed{seed} /tmp/exp7/dev_critic_seed{seed}`; writes
summary.json and copies each report here."""

import json
import pathlib
import shutil
import sys

import numpy as np

TRIGGERS = {"rule": "uniintervene", "head": "learned_risk"}
LABELS = {"progress": None, "onsets": "vs_progress_onset", "faults": "vs_faults"}


def scores(result: dict) -> dict:
    out = {}
    for name, key in LABELS.items():
        scored = result if key is None else result.get(key)
        if scored:
            out[name] = {k: scored[k] for k in ("trigger_f1", "precision", "recall")}
    return out


def spread(values) -> str:
    listed = ", ".join(f"{v:.3f}" for v in values)
    return f"{np.mean(values):.3f} ± {np.std(values):.3f} ({listed})"


summary = {}
for pattern in sys.argv[1:]:
    name = pathlib.Path(pattern).name.replace("_seed{seed}", "")
    reports = {}
    for seed in (0, 1, 2):
        path = pathlib.Path(pattern.format(seed=seed)) / "training_report.json"
        if path.exists():
            reports[seed] = json.loads(path.read_text())
            shutil.copy(path, f"{name}_seed{seed}_report.json")
    per_seed = {
        seed: {"q_loss": r["q_loss"], "held": r["trigger"]}
        | {t: scores(r["triggers"][key]) for t, key in TRIGGERS.items()}
        for seed, r in reports.items()
    }
    table = {"q_loss": spread([s["q_loss"] for s in per_seed.values()])}
    for trigger in TRIGGERS:
        for label in LABELS:
            runs = [s[trigger][label] for s in per_seed.values() if label in s[trigger]]
            if runs:
                table[f"{trigger} vs {label}"] = {
                    k: spread([r[k] for r in runs]) for k in ("trigger_f1", "precision", "recall")
                }
    summary[name] = {"per_seed": per_seed, "mean_std": table}
    print(name, json.dumps(table, indent=1))
pathlib.Path("summary.json").write_text(json.dumps(summary, indent=1))
