"""Turn results.json into the paper-shaped Markdown table and plots."""

import json
import pathlib

import numpy as np

NAMES = {
    "hil_serl": "HiL-SERL (human only)",
    "failure_prediction": "HiL-SERL + failure prediction",
    "uniintervene": "HiL-SERL + UniIntervene",
    "without_future_prediction": "w/o future prediction",
    "without_value_prediction": "w/o value prediction",
    "without_temporal_critic": "w/o temporal value-risk",
    "without_memory_goal": "w/o memory goal",
    "zero_recovery": "control: trigger + zero-twist recovery",
    "periodic_trigger": "control: periodic trigger (no critic)",
    "uniintervene_no_recovery_data": "UniIntervene, recoveries not in the buffer",
    "uniintervene_learned_risk": "UniIntervene, learned risk head",
    "uniintervene_rule_risk": "UniIntervene, rule-based risk (v1)",
    "oracle_recovery": "oracle recovery (learned trigger + scripted expert)",
    "oracle_trigger": "oracle trigger (privileged stall + learned recovery)",
    "oracle": "oracle trigger + oracle recovery",
    "pose_servo_recovery": "learned trigger + servo to the memory target's pose",
    "oracle_trigger_pose_servo": "oracle trigger + servo to the memory target's pose",
}
SYSTEMS = (
    "hil_serl",
    "failure_prediction",
    "uniintervene",
    "zero_recovery",
    "periodic_trigger",
    "uniintervene_learned_risk",
    "uniintervene_rule_risk",
)


def _cell(entry) -> str:
    return f"{entry['success_rate'] * 100:.0f} / {entry['human_intervention_rate'] * 100:.1f}"


def markdown(results: dict) -> str:
    tasks = results["config"]["tasks"]
    n = results["config"]["episodes_per_task"]
    lines = [
        f"# UniIntervene on the simulated cell ({n} episodes per task and system)",
        "",
        "Success rate % / human intervention rate % (human ticks / episode ticks); "
        "autonomous interventions per episode; trigger F1 against the privileged "
        "unproductive segments.",
        "",
        "| system | " + " | ".join(tasks) + " | average | autonomous / episode | trigger F1 |",
        "|---|" + "---|" * (len(tasks) + 3),
    ]
    rows = [(s, results[s]) for s in SYSTEMS if s in results]
    rows += list(results.get("ablations", {}).items())
    for system, entry in rows:
        f1 = entry.get("trigger_f1")
        lines.append(
            f"| {NAMES.get(system, system)} | "
            + " | ".join(
                _cell(entry["per_task"][t]) if t in entry["per_task"] else "-" for t in tasks
            )  # fmt: skip
            + f" | {_cell(entry['average'])}"
            + f" | {entry['average']['autonomous_interventions']:.2f}"
            + f" | {'-' if f1 is None else f'{f1:.2f}'} |"
        )
    if "hil_serl" not in results or "uniintervene" not in results:  # e.g. eval --systems
        return "\n".join(lines) + "\n"
    base, ours = results["hil_serl"]["average"], results["uniintervene"]["average"]
    if base["human_intervention_rate"] > 0:
        change = ours["human_intervention_rate"] / base["human_intervention_rate"] - 1
        lines += [
            "",
            f"Human intervention rate: {change * 100:+.0f} % relative change "
            f"vs HiL-SERL (the paper: -57 %); success {base['success_rate'] * 100:.0f}"
            f" % -> {ours['success_rate'] * 100:.0f} % (the paper: 81 % -> 88 %).",
        ]
    return "\n".join(lines) + "\n"


def plots(results: dict, out: pathlib.Path) -> list[pathlib.Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    systems = [s for s in SYSTEMS if s in results]
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for axis, key, title in (
        (axes[0], "success_rate", "success rate"),
        (axes[1], "human_intervention_rate", "human intervention rate"),
    ):
        heights = [results[s]["average"][key] for s in systems]
        bars = axis.bar(
            [NAMES[s].replace("HiL-SERL + ", "+") for s in systems],
            heights,
            color=["#888888", "#d08c3c", "#3c7fd0"][: len(systems)],
        )
        axis.bar_label(bars, labels=[f"{h * 100:.1f} %" for h in heights])
        top = 1.1 if key == "success_rate" else max(max(heights) * 1.3, 0.05)
        axis.set(title=title, ylim=(0, top))
    figure.tight_layout()
    figure.savefig(out / "ir_sr_bars.png", dpi=110)
    plt.close(figure)
    written.append(out / "ir_sr_bars.png")
    example = results.get("example_episode")
    if example:
        t = np.arange(len(example["values"])) * 0.1
        figure, axis = plt.subplots(figsize=(9, 3.8))
        axis.plot(t, example["values"], label="value q_t")
        axis.plot(t, example["risks"], label="risk")
        modes = np.array(example["modes"])
        for mode, color, label in ((1, "#3c7fd0", "recovery"), (2, "#d04c3c", "human")):
            mask = modes == mode
            if mask.any():
                axis.fill_between(t, 0, 1, where=mask, color=color, alpha=0.15, label=label)
        for i, tick in enumerate(example["triggers"]):
            axis.axvline(tick * 0.1, color="k", ls="--", label="trigger" if i == 0 else None)
        axis.set(
            xlabel="s",
            ylim=(0, 1.05),
            title=f"{example['task']} seed {example['seed']}: stagnation -> trigger -> recovery",
        )
        axis.legend(loc="upper left", fontsize=8)
        figure.tight_layout()
        figure.savefig(out / "value_risk_episode.png", dpi=110)
        plt.close(figure)
        written.append(out / "value_risk_episode.png")
    return written


def write_report(results_dir) -> list[pathlib.Path]:
    results_dir = pathlib.Path(results_dir)
    results = json.loads((results_dir / "results.json").read_text())
    (results_dir / "results.md").write_text(markdown(results))
    return [results_dir / "results.md", *plots(results, results_dir)]
