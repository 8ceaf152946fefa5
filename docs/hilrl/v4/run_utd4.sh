#!/bin/bash
# 4 learner iterations per step vs the default 2 (docs/hilrl/v4's continuous runs), pick_eggplant, 12k steps
source scripts/env.sh   # from the workspace root
export OMP_NUM_THREADS=1
run() { uniintervene hilrl --task pick_eggplant --system hil_serl --seed $1 --steps 12000 \
  --eval-every 4000 --eval-episodes 10 --final-eval-episodes 20 --models models \
  --updates-per-step 4 --out runs/utd4_s$1 > runs/utd4_s$1.log 2>&1; }
mkdir -p runs
date
run 0 & run 1 & wait
date
