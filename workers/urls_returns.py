"""Portal URLs: returns."""

urlpatterns: list = []
