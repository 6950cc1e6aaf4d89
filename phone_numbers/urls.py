from django.urls import path

from . import change_views, number_views, views

app_name = "phone_numbers"

urlpatterns = [
    path("", views.instance_list, name="instance_list"),
    path(
        "instances/<str:instance_id>/skill-groups/",
        views.skill_group_list,
        name="skill_group_list",
    ),
    path(
        "instances/<str:instance_id>/skill-groups/<str:skill_group_id>/numbers/",
        views.number_list,
        name="number_list",
    ),
    path(
        "instances/<str:instance_id>/skill-groups/<str:skill_group_id>/numbers/"
        "export.<export_format:file_format>",
        views.number_export,
        name="number_export",
    ),
    path(
        "instances/<str:instance_id>/skill-groups/<str:skill_group_id>/numbers/confirm/",
        change_views.number_change_confirm,
        name="number_change_confirm",
    ),
    path(
        "instances/<str:instance_id>/skill-groups/<str:skill_group_id>/numbers/change/",
        change_views.number_change,
        name="number_change",
    ),
    path(
        "instances/<str:instance_id>/numbers/",
        number_views.instance_number_list,
        name="instance_number_list",
    ),
    path(
        "instances/<str:instance_id>/numbers/export.<export_format:file_format>",
        number_views.instance_number_export,
        name="instance_number_export",
    ),
    path(
        "instances/<str:instance_id>/numbers/<str:number>/",
        number_views.number_detail,
        name="number_detail",
    ),
    path(
        "instances/<str:instance_id>/numbers/<str:number>/confirm/",
        change_views.number_groups_confirm,
        name="number_groups_confirm",
    ),
    path(
        "instances/<str:instance_id>/numbers/<str:number>/change/",
        change_views.number_groups_change,
        name="number_groups_change",
    ),
    # An action's page belongs to the trail's address space, but shows this feature's outcome
    # and offers its Undo: see the architecture note in docs/development.md.
    path("audit/actions/<int:attempt_id>/", change_views.action_detail, name="action_detail"),
]
