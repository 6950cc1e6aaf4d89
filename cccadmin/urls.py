from django.urls import include, path

urlpatterns = [
    path("", include("phone_numbers.urls")),
]
