from django.urls import path

from . import views

app_name = "phone_numbers"

urlpatterns = [
    path("", views.instance_list, name="instance_list"),
]
