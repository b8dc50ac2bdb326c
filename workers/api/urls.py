from migration_portal.core.api.routers import PortalRouter

from . import imports, register, returns, training

router = PortalRouter()  # no index of its own: /api/ lists every app's routes
for area in (register, training, returns, imports):
    area.register(router)

urlpatterns = router.urls
