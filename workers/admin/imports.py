"""Admin: imports."""
