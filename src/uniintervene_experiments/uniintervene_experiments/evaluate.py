"""`uniintervene eval`: the supervised-episode experiment in-process on the simulated cell
(every task, system and ablation on held-out layouts), written to results.json."""

import json
import pathlib

EVAL_SEED_OFFSET = 100_000  # evaluation layouts never overlap the collected training seeds


def evaluate(
    tasks,
    episodes: int,
    seed: int,
    models: pathlib.Path,
    out: pathlib.Path,
    ablations: bool,
    failure_rate: float,
    systems: list[str] | None = None,
) -> dict:
    from tqdm import tqdm

    from uniintervene_critic.views import camera_mount
    from uniintervene_experiments.controls import CONTROLS
    from uniintervene_experiments.evaluation import GraphSettings, control_rates, run_episode
    from uniintervene_sim.base_policy import BasePolicy, BasePolicyConfig
    from uniintervene_sim.cell import SimCell
    from uniintervene_sim.model import CameraConfig
    from uniintervene_sim.operator import SimulatedOperator

    systems = checked_systems(systems, ablations)
    bundle, report, memory, recovery_policy = load_models(models)
    settings = GraphSettings.load()
    cell = SimCell(tasks[0], camera=CameraConfig(mount=camera_mount(bundle.config.views)))
    # UniIntervene before the controls: they fire at its rate, recover for its length
    jobs = [
        (s, t, EVAL_SEED_OFFSET + seed + i) for s in systems for t in tasks for i in range(episodes)
    ]
    outcomes = {s: {t: [] for t in tasks} for s in systems}
    example, rates, no_rate = None, {}, {}
    for system, task, episode_seed in tqdm(jobs, desc="evaluating"):
        if system in CONTROLS and task not in rates | no_rate:
            try:
                rates[task] = control_rates(outcomes["uniintervene"][task])
            except ValueError as error:  # UniIntervene never fired here: nothing to match
                no_rate[task] = str(error)
        if system in CONTROLS and task in no_rate:
            continue
        outcome = run_episode(
            cell, task, episode_seed, BasePolicy(BasePolicyConfig(failure_rate=failure_rate)),
            SimulatedOperator(), system, bundle, report, memory, recovery_policy, settings,
            rates=rates.get(task),
        )  # fmt: skip
        outcomes[system][task].append(outcome)
        if system == "uniintervene" and outcome.trigger_ticks and example is None:
            example = outcome
    config = {
        "tasks": tasks,
        "episodes_per_task": episodes,
        "seed": seed,
        "eval_seed_offset": EVAL_SEED_OFFSET,
        "failure_rate": failure_rate,
        "models": str(models),
        "cooldown_ticks": settings.supervisor.cooldown_ticks,
        "trigger_warmup_ticks": settings.supervisor.trigger_warmup_ticks,
        "recovery_max_ticks": settings.recovery.max_ticks,
        "control_rates": {task: r.to_dict() for task, r in rates.items()},
        "controls_skipped": no_rate,
    }
    results = summarise_systems(config, systems, tasks, outcomes, example)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=float))
    return results


def evaluate_and_print(tasks, episodes: int, seed: int, models: pathlib.Path,
                       out: pathlib.Path, ablations: bool, failure_rate: float = 0.6,
                       systems: list[str] | None = None) -> dict:  # fmt: skip
    """`evaluate`, then a line per system (SR, IR, autonomous interventions, trigger F1)."""
    from uniintervene_experiments.report import SYSTEMS

    results = evaluate(tasks, episodes, seed, models, out, ablations, failure_rate, systems)
    for system in (s for s in SYSTEMS if s in results):
        a = results[system]["average"]
        f1 = results[system]["trigger_f1"]
        print(
            f"{system:<26} SR {a['success_rate']:.2f}  IR {a['human_intervention_rate']:.3f}"
            f"  autonomous {a['autonomous_interventions']:.2f}/episode"
            f"  trigger F1 {'-' if f1 is None else f'{f1:.2f}'}"
        )
    print(f"results written to {out / 'results.json'}")
    return results


def checked_systems(systems: list[str] | None, ablations: bool) -> list[str]:
    """The systems to run (default: the baselines and controls, with the ablations when
    asked), UniIntervene's before the controls that match its rates."""
    from uniintervene_experiments.controls import CONTROLS
    from uniintervene_experiments.evaluation import ABLATIONS, SYSTEMS, TRIGGER_MODE

    default = list(SYSTEMS) + list(CONTROLS) + (list(ABLATIONS) if ablations else [])
    systems = list(systems) if systems else default
    if any(s in CONTROLS for s in systems) and "uniintervene" not in systems:
        raise ValueError("the controls fire at UniIntervene's rate: include uniintervene")
    unknown = sorted(set(systems) - set(TRIGGER_MODE))
    if unknown:
        raise ValueError(f"unknown systems {unknown}; known: {', '.join(TRIGGER_MODE)}")
    return sorted(systems, key=lambda s: s in CONTROLS)


def load_models(models: pathlib.Path):
    """The critic bundle, its training report, the memory and the recovery policy."""
    from uniintervene_critic.model import CriticBundle
    from uniintervene_recovery.memory import InterventionMemory
    from uniintervene_recovery.policy import RecoveryPolicy

    bundle = CriticBundle.load(models / "critic")
    report = json.loads((models / "critic" / "training_report.json").read_text())
    memory = InterventionMemory.load(
        models / "recovery" / "memory.safetensors", bundle.config.latent_dim
    )
    return bundle, report, memory, RecoveryPolicy.load(models / "recovery")


def summarise_systems(config: dict, systems, tasks, outcomes: dict, example) -> dict:
    """results.json's content: the config, each system's average and per-task summary (the
    ablations apart), and an example UniIntervene episode that triggered."""
    from uniintervene_experiments.evaluation import ABLATIONS, summarise

    results = {"config": config}
    for system in systems:
        per_task = {t: summarise(outcomes[system][t]) for t in tasks if outcomes[system][t]}
        every = [o for t in tasks for o in outcomes[system][t]]
        if not every:
            continue
        entry = {"average": summarise(every), "per_task": per_task}
        entry["trigger_f1"] = entry["average"]["trigger_f1"] if system != "hil_serl" else None
        (results.setdefault("ablations", {}) if system in ABLATIONS else results)[system] = entry
    if example is not None:
        results["example_episode"] = {
            "task": example.task,
            "seed": example.seed,
            "values": example.values,
            "risks": example.risks,
            "modes": example.modes,
            "triggers": example.trigger_ticks,
        }
    return results
