"""HiL-RL learner: SAC with RLPD (HiL-SERL's recipe) on the frozen encoder's latent plus
proprioception, trained from demonstrations, human interventions and autonomous
recoveries; transition buffers and checkpoints on disk (no pickle)."""
