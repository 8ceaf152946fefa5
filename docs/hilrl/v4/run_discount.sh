#!/bin/bash
# discount 0.99 vs the default 0.97 (docs/hilrl/v4's continuous runs), pick_eggplant, 12k steps
source scripts/env.sh   # from the workspace root
export OMP_NUM_THREADS=1
run() { uniintervene hilrl --task pick_eggplant --system hil_serl --seed $1 --steps 12000 \
  --eval-every 4000 --eval-episodes 10 --final-eval-episodes 20 --models models \
  --sac-settings discount=0.99 --out runs/d99_s$1 > runs/d99_s$1.log 2>&1; }
mkdir -p runs
date
run 0 & run 1 & wait
date
