"""What Django's error reports (the DEBUG page, mailed reports) may show of a request.

Django hides settings and request headers by name, and frame variables only when a function
is marked `sensitive_variables` and DEBUG is off. A failing CCC call has the Authorization
header and the credentials in its frames (ours and httpx's) and `ccc` stays
Django-free, so variables are hidden here by what they hold, in every mode.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.request import HttpHeaders
from django.views.debug import SafeExceptionReporterFilter

# An ACS3 Authorization header, wherever it ends up (a dict, httpx's or h11's request).
_SIGNATURE = re.compile(r"Signature=[0-9a-f]", re.IGNORECASE)


class SecretHidingExceptionReporterFilter(SafeExceptionReporterFilter):
    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        # The SSO assertion's header is configurable, so its name need not look secret.
        assertion = HttpHeaders.to_wsgi_name(settings.CCCADMIN_JWT_HEADER)
        if assertion in meta:
            meta[assertion] = self.cleansed_substitute
        return meta

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any):
        secrets = self._secrets(request)
        return [
            (name, self.cleansed_substitute if self._reveals(value, secrets) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    @staticmethod
    def _secrets(request: HttpRequest | None) -> list[str]:
        values = [settings.CCC_ACCESS_KEY_SECRET, settings.CCC_SECURITY_TOKEN]
        if request is not None:
            values.append(request.headers.get(settings.CCCADMIN_JWT_HEADER, ""))
        return [value for value in values if value]

    def _reveals(self, value: Any, secrets: list[str]) -> bool:
        if value is self.cleansed_substitute:
            return False
        try:
            text = repr(value)
        except Exception:  # a broken __repr__ (a half-built object) must not break the report
            return True
        return bool(_SIGNATURE.search(text)) or any(secret in text for secret in secrets)
