#!/bin/bash
# A/B: the gripper binary vs continuous, pick_eggplant, HiL-SERL, 12k steps
source scripts/env.sh   # from the workspace root
export OMP_NUM_THREADS=1
run() { uniintervene hilrl --task pick_eggplant --system hil_serl --seed $1 --steps 12000 \
  --eval-every 4000 --eval-episodes 10 --final-eval-episodes 20 --models models \
  --action-settings gripper_binary=$2 --out runs/g$2_s$1 > runs/g$2_s$1.log 2>&1; }
mkdir -p runs
date
run 0 1 & run 0 0 & wait
date
run 1 1 & run 1 0 & wait
date
