"""The pages of support plans, reviews and their documents: one module a subject, each with
its own `urlpatterns`."""
