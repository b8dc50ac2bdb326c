"""Admin: training."""
