"""API: returns. `register(router)` adds this area's viewsets to the API router."""


def register(router) -> None:
    pass
