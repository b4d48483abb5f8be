"""The planning pages: one module a subject, each with its own `urlpatterns`."""
