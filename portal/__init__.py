"""What every page behind the company portal needs and no feature owns: the SSO identity and
its roles, htmx helpers, alert rendering and the error-report filter."""
