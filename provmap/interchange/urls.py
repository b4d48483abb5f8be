"""Imports and exports. Who may open each URL is in provmap.accounts.policies."""

from django.urls import path, register_converter

from provmap.interchange import views


class ExportFormat:
    """The format of an export, as the end of its URL: map.xlsx, map.csv."""

    regex = "xlsx|csv"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "export_format")

IMPORTS = "school/<str:urn>/imports/"
EXPORTS = "school/<str:urn>/exports/"

urlpatterns = [
    path(IMPORTS, views.imports_page, name="imports"),
    path(f"{IMPORTS}<int:job_id>/", views.job_page, name="import_job"),
    path(f"{IMPORTS}<int:job_id>/check/", views.job_recheck, name="import_recheck"),
    path(f"{IMPORTS}<int:job_id>/confirm/", views.job_confirm, name="import_confirm"),
    path(f"{IMPORTS}<int:job_id>/cancel/", views.job_cancel, name="import_cancel"),
    path(f"{EXPORTS}map.<export_format:fmt>", views.export_map, name="export_map"),
    path(f"{EXPORTS}runs/<int:run_id>.<export_format:fmt>", views.export_run, name="export_run"),
    path(f"{EXPORTS}<int:export_id>/", views.export_job_page, name="export_job"),
    path(f"{EXPORTS}<int:export_id>/again/", views.export_job_again, name="export_job_again"),
    path(
        f"{EXPORTS}<int:export_id>/download/",
        views.export_job_download,
        name="export_job_download",
    ),
    path(
        f"{EXPORTS}pupils/<int:pupil_id>.<export_format:fmt>",
        views.export_pupil,
        name="export_pupil",
    ),
]
