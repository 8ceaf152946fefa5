"""The `uniintervene` command line and the experiments on the simulated cell.

Each command's module bears its name: collect, recordings (import), train, train_reward
(train-reward), evaluate (eval), live, demo, hilrl, experiment and report; cli.py parses
the command line. What they share: evaluation and supervision (supervised episodes in
process), hilrl_config (a run's systems and options) and hilrl_loop (the HiL-RL training
loop), controls, oracles, trigger_timing, run_executors and runs_report (the sweep),
tracking_report and observations.
"""
