from django.urls import include, path

# /healthz and /readyz are answered by cccadmin.health.HealthProbeMiddleware.
urlpatterns = [
    path("", include("phone_numbers.urls")),
]
