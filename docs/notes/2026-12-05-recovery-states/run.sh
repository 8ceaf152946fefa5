#!/bin/bash
# One training run of this note, from a folder holding `models` (uniintervene collect
# --episodes 20 --seed 0 + uniintervene train --seed 0) and `models_plain` (the same, with
# "standardise_loss": false in recovery/recovery_policy.json); one run per core.
#   run.sh SYSTEM SEED NAME [extra hilrl options, e.g. --models models_plain]
source "$(dirname "$0")/../../../scripts/env.sh"
export OMP_NUM_THREADS=1
sys=$1; seed=$2; name=$3; shift 3
uniintervene hilrl --task pick_eggplant --system "$sys" --seed "$seed" --steps ${STEPS:-10000} \
  --hidden 128 128 --batch-size 128 --updates-per-step 1 --eval-every 2500 --eval-episodes 5 \
  --final-eval-episodes 20 --models models --threads 1 --out "runs/$name" "$@" > "runs/$name.log" 2>&1
