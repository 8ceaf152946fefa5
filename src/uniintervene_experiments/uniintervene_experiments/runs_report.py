"""The training-run experiment's results: DIR/runs/**/summary.json -> results.json,
results.md (the paper-shaped table with the spread over training seeds) and plots."""

import json
import pathlib

import numpy as np

from uniintervene_experiments.report import NAMES

BUDGET = ("steps", "updates_per_step", "demos", "final_eval_episodes")
TASK_ORDER = ("pick_eggplant", "tube_insertion", "ram_insertion", "wipe", "fold_towel")
ORDER = (
    "hil_serl",
    "failure_prediction",
    "uniintervene",
    "zero_recovery",
    "periodic_trigger",
    "uniintervene_no_recovery_data",
    "oracle_recovery",
    "oracle_trigger",
    "oracle",
    "without_future_prediction",
    "without_value_prediction",
    "without_temporal_critic",
    "without_memory_goal",
)


def load_runs(out: pathlib.Path) -> list[dict]:
    """Every finished run's summary under DIR/runs."""
    runs = []
    for path in sorted((out / "runs").glob("*/*/seed*/summary.json")):
        summary = json.loads(path.read_text())
        if summary.get("final_success_rate") is not None:
            runs.append(summary)
    return runs


def _spread(values) -> dict:
    values = np.asarray(values, float)
    return {
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        "per_seed": values.tolist(),
    }


def _mean_curve(runs: list[dict]) -> list[dict]:
    """Mean over seeds, point by point (every run of a cell has the same eval schedule)."""
    length = min(len(r["curve"]) for r in runs)
    points = []
    for i in range(length):
        at = [r["curve"][i] for r in runs]
        points.append(
            {
                key: float(np.mean([p.get(key, np.nan) for p in at]))
                for key in ("env_step", "success_rate", "human_intervention_rate", "human_ticks")
            }
        )
    return points


def aggregate(out: pathlib.Path) -> dict:
    runs = load_runs(out)
    if not runs:
        raise FileNotFoundError(f"no finished runs under {out / 'runs'}")
    budgets = {json.dumps({k: r["config"].get(k) for k in BUDGET}, sort_keys=True) for r in runs}
    if len(budgets) > 1:
        raise ValueError(f"the runs under {out / 'runs'} mix budgets: {sorted(budgets)}")
    cells: dict[str, dict[str, list[dict]]] = {}
    for run in runs:
        cells.setdefault(run["system"], {}).setdefault(run["task"], []).append(run)
    tasks = sorted({r["task"] for r in runs}, key=lambda t: (TASK_ORDER + (t,)).index(t))
    results = {
        "config": {
            "tasks": tasks,
            "steps": runs[0]["config"]["steps"],
            "final_eval_episodes": runs[0]["config"]["final_eval_episodes"],
            "sac": runs[0]["config"]["sac"],
            "updates_per_step": runs[0]["config"]["updates_per_step"],
        }
    }
    for system in sorted(cells, key=lambda s: ORDER.index(s) if s in ORDER else 99):
        per_task, curves = {}, {}
        for task, task_runs in cells[system].items():
            per_task[task] = {
                "seeds": [r["seed"] for r in task_runs],
                "final_success_rate": _spread([r["final_success_rate"] for r in task_runs]),
                "human_intervention_rate": _spread(
                    [r["human_intervention_rate"] for r in task_runs]
                ),
                "autonomous_interventions": _spread(
                    [r["autonomous_interventions_per_episode"] for r in task_runs]
                ),
                "wall_minutes": _spread([r["wall_seconds"] / 60 for r in task_runs]),
                **_timing(task_runs),
            }
            curves[task] = _mean_curve(task_runs)
        # the average over tasks, per training seed (a seed counts where it ran every task)
        seeds = set.intersection(*(set(v["seeds"]) for v in per_task.values()))
        average = {}
        for key in ("final_success_rate", "human_intervention_rate", "autonomous_interventions"):
            by_seed = [
                np.mean([e[key]["per_seed"][e["seeds"].index(s)] for e in per_task.values()])
                for s in sorted(seeds)
            ]
            average[key] = _spread(by_seed) if by_seed else None
        average["tasks"], average["seeds"] = sorted(per_task), sorted(seeds)
        results[system] = {"average": average, "per_task": per_task, "curves": curves}
    results["targets"] = targets(results)
    results["ceilings"] = ceilings(results)
    return results


def _timing(runs: list[dict]) -> dict:
    """The trigger's lead over the operator (trigger_timing.py), where the runs record it."""
    timings = [r.get("trigger_timing") for r in runs]
    out = {}
    for key in ("trigger_first_share", "takeovers_after_a_trigger_share"):
        values = [t[key] for t in timings if t and t.get(key) is not None]
        if len(values) == len(runs):
            out[key] = _spread(values)
    return out


def ceilings(results: dict) -> dict | None:
    """How much of each oracle's human-IR cut the learned system gets: (HiL-SERL - ours) /
    (HiL-SERL - oracle), on the average over tasks (1: at the ceiling, 0: nothing of it)."""
    if "hil_serl" not in results or "uniintervene" not in results:
        return None
    rate = lambda s: results[s]["average"]["human_intervention_rate"]  # noqa: E731
    if rate("hil_serl") is None or rate("uniintervene") is None:
        return None
    base, ours = rate("hil_serl")["mean"], rate("uniintervene")["mean"]
    out = {}
    for oracle in ("oracle_recovery", "oracle_trigger", "oracle"):
        if oracle in results and rate(oracle) is not None:
            cut = base - rate(oracle)["mean"]
            out[oracle] = {
                "human_ir_ratio": rate(oracle)["mean"] / base if base else None,
                "learned_share_of_cut": (base - ours) / cut if cut > 0 else None,
            }
    return out or None


def targets(results: dict) -> dict | None:
    """UniIntervene vs HiL-SERL: IR ratio (<= 0.43, aim 0.30) and SR gain (>= 5 points)."""
    if "hil_serl" not in results or "uniintervene" not in results:
        return None
    base, ours = results["hil_serl"]["average"], results["uniintervene"]["average"]
    if not base["human_intervention_rate"] or not ours["human_intervention_rate"]:
        return None
    if (base["tasks"], base["seeds"]) != (ours["tasks"], ours["seeds"]):
        return {"compared": False, "why": "HiL-SERL and UniIntervene ran other tasks or seeds"}
    base_ir = base["human_intervention_rate"]["mean"]
    ratio = ours["human_intervention_rate"]["mean"] / base_ir if base_ir else None
    gain = ours["final_success_rate"]["mean"] - base["final_success_rate"]["mean"]
    return {
        "compared": True,
        "human_ir_ratio": ratio,
        "human_ir_ratio_target": 0.43,
        "success_gain_points": 100 * gain,
        "success_gain_target_points": 5.0,
        "met": bool(ratio is not None and ratio <= 0.43 and gain >= 0.05),
    }


def _cell(entry) -> str:
    sr, ir = entry["final_success_rate"], entry["human_intervention_rate"]
    return (
        f"{100 * sr['mean']:.0f}±{100 * sr['std']:.0f} / "
        f"{100 * ir['mean']:.1f}±{100 * ir['std']:.1f}"
    )


def markdown(results: dict) -> str:
    c, tasks = results["config"], results["config"]["tasks"]
    lines = [
        f"# HiL-RL training runs on the simulated cell ({c['steps']} steps per run)",
        "",
        "SR: the trained policy alone on held-out layouts "
        f"({c['final_eval_episodes']} per task and seed), %. IR: share of training ticks the "
        "human drove, %. Mean ± standard deviation over training seeds; the average is "
        "over tasks, per seed. Autonomous: interventions per training episode.",
        "",
        "| system | " + " | ".join(tasks) + " | average | autonomous | seeds |",
        "|---|" + "---|" * (len(tasks) + 3),
    ]
    for system, entry in results.items():
        if system in ("config", "targets", "ceilings"):
            continue
        cells = [_cell(entry["per_task"][t]) if t in entry["per_task"] else "-" for t in tasks]
        average = entry["average"]
        full = average["final_success_rate"] is not None and len(average["tasks"]) == len(tasks)
        auto = average["autonomous_interventions"]
        lines.append(
            f"| {NAMES.get(system, system)} | " + " | ".join(cells)
            + f" | {_cell(average) if full else '-'}"
            + (f" | {auto['mean']:.2f}" if auto else " | -")
        )  # fmt: skip
        lines[-1] += f" | {len(average['seeds'])} |"
    t = results.get("targets")
    if t and not t["compared"]:
        lines += ["", f"Targets not compared: {t['why']}."]
    elif t:
        lines += [
            "",
            f"UniIntervene / HiL-SERL human IR: {t['human_ir_ratio']:.2f}x (target <= 0.43x, "
            f"aim 0.30x); success {t['success_gain_points']:+.0f} points (target >= +5). "
            f"Targets {'met' if t['met'] else 'missed'}.",
        ]
    return "\n".join(lines + _timing_lines(results) + _ceiling_lines(results)) + "\n"


def _timing_lines(results: dict) -> list[str]:
    rows = []
    for system, entry in results.items():
        if system in ("config", "targets", "ceilings"):
            continue
        for task, cell in entry["per_task"].items():
            if "trigger_first_share" in cell:
                first, after = cell["trigger_first_share"], cell["takeovers_after_a_trigger_share"]
                rows.append(
                    f"| {NAMES.get(system, system)} | {task} | "
                    f"{100 * first['mean']:.0f}±{100 * first['std']:.0f} | "
                    f"{100 * after['mean']:.0f}±{100 * after['std']:.0f} |"
                )
    if not rows:
        return []
    return [
        "", "Trigger timing against the simulated operator's notice (trigger_timing.py), % "
        "over training, mean ± std over seeds:", "",
        "| system | task | triggers before the operator noticed | takeovers after a trigger "
        "in the same stall |", "|---|---|---|---|", *rows,
    ]  # fmt: skip


def _ceiling_lines(results: dict) -> list[str]:
    found = results.get("ceilings")
    if not found:
        return []
    lines = ["", "Ceilings (sim-only oracles; share: UniIntervene's human-IR cut over the "
             "oracle's, 1 = at the ceiling):", ""]  # fmt: skip
    for oracle, entry in found.items():
        share = entry["learned_share_of_cut"]
        lines.append(
            f"- {NAMES.get(oracle, oracle)}: human IR {entry['human_ir_ratio']:.2f}x "
            f"HiL-SERL's; UniIntervene's share of its cut "
            + (f"{share:.2f}" if share is not None else "- (no cut)")
        )
    return lines


def plots(results: dict, out: pathlib.Path) -> list[pathlib.Path]:
    """IR over training, success over training, success against human ticks spent."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from uniintervene_common.atomic import atomic_write

    tasks = results["config"]["tasks"]
    systems = [s for s in results if s not in ("config", "targets", "ceilings")]
    figures = {
        "ir_over_training.png": ("env_step", "human_intervention_rate", "human IR so far"),
        "success_over_training.png": ("env_step", "success_rate", "success alone"),
        "success_vs_human_ticks.png": ("human_ticks", "success_rate", "success alone"),
    }
    written = []
    for name, (x_key, y_key, y_label) in figures.items():
        figure, axes = plt.subplots(1, len(tasks), figsize=(4.2 * len(tasks), 3.4), squeeze=False)
        for axis, task in zip(axes[0], tasks, strict=True):
            for system in systems:
                curve = results[system]["curves"].get(task)
                if curve:
                    axis.plot([p[x_key] for p in curve], [p[y_key] for p in curve], "o-",
                              markersize=3, label=NAMES.get(system, system))  # fmt: skip
            axis.set_title(task)
            axis.set_xlabel("human ticks spent" if x_key == "human_ticks" else "env steps")
            axis.set_ylabel(y_label)
            axis.set_ylim(-0.02, 1.02)
        axes[0][-1].legend(fontsize=7)
        figure.tight_layout()
        path = out / name
        atomic_write(path, lambda tmp, f=figure: f.savefig(tmp, format="png", dpi=100))
        plt.close(figure)
        written.append(path)
    return written


def plot_pooled_leads(out: pathlib.Path, system: str = "uniintervene") -> pathlib.Path | None:
    """trigger_lead.png: every run's trigger and takeover leads of `system`, pooled."""
    from uniintervene_experiments.trigger_timing import plot_leads

    triggers, takeovers = [], []
    for path in sorted((out / "runs").glob(f"*/{system}/seed*/trigger_timing.json")):
        record = json.loads(path.read_text())
        triggers += record["trigger_leads_s"]
        takeovers += record["takeover_leads_s"]
    if not triggers and not takeovers:
        return None
    plot_leads(triggers, takeovers, out / "trigger_lead.png")
    return out / "trigger_lead.png"


def write(out: pathlib.Path) -> dict:
    from uniintervene_common.atomic import atomic_write

    results = aggregate(out)
    plot_pooled_leads(out)
    atomic_write(
        out / "results.json",
        lambda tmp: pathlib.Path(tmp).write_text(json.dumps(results, indent=2)),
    )
    atomic_write(out / "results.md", lambda tmp: pathlib.Path(tmp).write_text(markdown(results)))
    plots(results, out)
    return results
