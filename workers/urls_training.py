"""Portal URLs: training."""

urlpatterns: list = []
