from django.apps import AppConfig


class PhoneNumbersConfig(AppConfig):
    name = "phone_numbers"
    verbose_name = "Phone numbers"

    def ready(self) -> None:
        from django.urls import reverse

        from audit import links

        from . import checks  # noqa: F401 - registers the system checks

        # The trail's rows link to this feature's pages (the audit app never imports it).
        links.register(
            links.TrailLinks(
                home=lambda: reverse("phone_numbers:instance_list"),
                action=lambda attempt_id: reverse("phone_numbers:action_detail", args=[attempt_id]),
                skill_group=lambda instance_id, skill_group_id: reverse(
                    "phone_numbers:number_list",
                    kwargs={"instance_id": instance_id, "skill_group_id": skill_group_id},
                ),
            )
        )
