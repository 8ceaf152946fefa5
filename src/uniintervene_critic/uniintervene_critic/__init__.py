"""Future-conditioned action-value critic and temporal value-risk trigger."""
