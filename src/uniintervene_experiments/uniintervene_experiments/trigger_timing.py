"""Does the trigger come before the operator? In the simulator the operator's notice time
is known, so every trigger and every takeover gets a lead (positive: the trigger first).

- Per trigger: lead = when the operator notices (noticed already, or would notice
  `patience` after the last progress) - the trigger's time.
- Per takeover: lead = the operator's notice time - the latest trigger of the same stall
  (since the operator last saw progress); None when no trigger came in that stall.
"""

import json
import pathlib

import numpy as np

from uniintervene_common.atomic import atomic_write


class TriggerTiming:
    def __init__(self):
        self.trigger_leads: list[float] = []
        self.takeover_leads: list[float | None] = []
        self._last_trigger = -np.inf

    def reset(self) -> None:
        """A new episode: no trigger yet in it."""
        self._last_trigger = -np.inf

    def tick(self, time: float, events, operator) -> None:
        """After the supervisor decided the tick at `time` (its events: (kind, detail)) and
        the operator stepped."""
        kinds = {kind for kind, _ in events}
        if "trigger" in kinds:
            self.trigger_leads.append(float(operator.expected_notice() - time))
            self._last_trigger = time
        if "human_takeover" in kinds:
            in_stall = self._last_trigger >= operator.last_improvement
            noticed = operator.noticed_at if operator.noticed_at is not None else time
            self.takeover_leads.append(float(noticed - self._last_trigger) if in_stall else None)

    def summary(self) -> dict:
        leads = np.array(self.trigger_leads)
        preceded = [lead for lead in self.takeover_leads if lead is not None]
        return {
            "triggers": len(leads),
            "trigger_first_share": float(np.mean(leads > 0)) if len(leads) else None,
            "median_trigger_lead_s": float(np.median(leads)) if len(leads) else None,
            "takeovers": len(self.takeover_leads),
            "takeovers_after_a_trigger_share": (
                len(preceded) / len(self.takeover_leads) if self.takeover_leads else None
            ),
        }

    def save(self, directory: pathlib.Path) -> None:
        """trigger_timing.json (every lead) and trigger_lead.png (their distribution)."""
        directory = pathlib.Path(directory)
        record = {"summary": self.summary(), "trigger_leads_s": self.trigger_leads,
                  "takeover_leads_s": self.takeover_leads}  # fmt: skip
        atomic_write(
            directory / "trigger_timing.json",
            lambda tmp: pathlib.Path(tmp).write_text(json.dumps(record, indent=1)),
        )
        plot_leads(self.trigger_leads, self.takeover_leads, directory / "trigger_lead.png")


def plot_leads(trigger_leads, takeover_leads, path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3.5))
    bins = np.arange(-6.0, 6.01, 0.5)
    clip = lambda leads: np.clip(leads, bins[0], bins[-1])  # noqa: E731
    preceded = [lead for lead in takeover_leads if lead is not None]
    axis.hist(clip(trigger_leads), bins, alpha=0.6, label=f"triggers ({len(trigger_leads)})")
    missed = len(takeover_leads) - len(preceded)
    axis.hist(clip(preceded), bins, alpha=0.6,
              label=f"takeovers after a trigger ({len(preceded)}; {missed} without)")  # fmt: skip
    axis.axvline(0.0, color="k", lw=1)
    axis.set_xlabel("lead over the operator's notice, s (> 0: the trigger first)")
    axis.set_ylabel("count")
    axis.legend(fontsize=8)
    figure.tight_layout()
    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png", dpi=110))
    plt.close(figure)
