"""Portal pages: register."""
