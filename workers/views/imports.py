"""Portal pages: imports."""
