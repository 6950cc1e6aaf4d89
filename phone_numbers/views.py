from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from . import services
from .ccc import CccError


@require_GET
def instance_list(request: HttpRequest) -> TemplateResponse:
    try:
        instances = services.instance_list()
    except CccError as error:
        return TemplateResponse(
            request, "phone_numbers/ccc_error.html", {"error": error}, status=502
        )
    return TemplateResponse(request, "phone_numbers/instance_list.html", {"instances": instances})
