from django.urls import include, path

# /healthz and /readyz are answered by cccadmin.health.HealthProbeMiddleware.
urlpatterns = [
    # Django's set_language: the header's language switcher posts to it.
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", include("audit.urls")),
    path("", include("phone_numbers.urls")),
]

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
