"""Portal URLs: imports."""

urlpatterns: list = []
