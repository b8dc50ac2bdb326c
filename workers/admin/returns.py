"""Admin: returns."""
