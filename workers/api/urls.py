from rest_framework.routers import DefaultRouter

from . import imports, register, returns, training

router = DefaultRouter()
for area in (register, training, returns, imports):
    area.register(router)

urlpatterns = router.urls
