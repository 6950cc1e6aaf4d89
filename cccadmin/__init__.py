"""The Django project: settings, URLs, WSGI/ASGI entry points and the health probes."""
