"""Portal pages: returns."""
