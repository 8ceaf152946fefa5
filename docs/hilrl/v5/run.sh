#!/bin/bash
# 10 critics (RLPD's ensemble; the target the minimum of a random 2) against the
# defaults' 2, pick_eggplant, HiL-SERL's system, 12k steps; one run per core.
#   docs/hilrl/v5/run.sh SEED [num_critics]      (from the workspace root)
source scripts/env.sh
export OMP_NUM_THREADS=1
seed=$1; critics=${2:-10}
uniintervene hilrl --task pick_eggplant --system hil_serl --seed "$seed" --steps 12000 \
  --eval-every 4000 --eval-episodes 10 --final-eval-episodes 20 --models models \
  --sac-settings num_critics="$critics" --out "runs/c${critics}_s${seed}" \
  > "runs/c${critics}_s${seed}.log" 2>&1
