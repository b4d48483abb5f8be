from django.urls import path

from provmap.insights import views

urlpatterns = [
    path("school/<str:urn>/impact/", views.overview_page, name="impact_overview"),
    path(
        "school/<str:urn>/impact/provisions/<int:provision_id>/",
        views.provision_page,
        name="impact_provision",
    ),
    path(
        "school/<str:urn>/impact/provisions/<int:provision_id>/decisions/",
        views.decision_record,
        name="impact_decision_record",
    ),
    path("school/<str:urn>/impact/method/", views.method_page, name="impact_method"),
    path("school/<str:urn>/impact/groups/", views.groups_page, name="impact_groups"),
    path(
        "school/<str:urn>/impact/not-progressing/",
        views.not_progressing_page,
        name="impact_not_progressing",
    ),
    path(
        "school/<str:urn>/impact/not-progressing/pupils/",
        views.not_progressing_pupils_page,
        name="impact_not_progressing_pupils",
    ),
]
