from django.urls import path, register_converter

from . import exports, views

app_name = "phone_numbers"


class ExportFormat:
    """The file formats an export is written in: the ending of its address."""

    regex = "|".join(exports.FORMATS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "export_format")

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
        views.number_change_confirm,
        name="number_change_confirm",
    ),
    path(
        "instances/<str:instance_id>/skill-groups/<str:skill_group_id>/numbers/change/",
        views.number_change,
        name="number_change",
    ),
    path("audit/", views.audit_event_list, name="audit_event_list"),
    path("audit/export.<export_format:file_format>", views.audit_export, name="audit_export"),
    path("audit/actions/<int:attempt_id>/", views.action_detail, name="action_detail"),
]
