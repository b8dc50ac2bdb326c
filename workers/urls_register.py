"""Portal URLs: register."""

urlpatterns: list = []
