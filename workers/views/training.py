"""Portal pages: training."""
