from django.urls import path

from provmap.pupils import views

urlpatterns = [
    path("school/<str:urn>/pupils/search/", views.pupil_search, name="pupil_search"),
    path("school/<str:urn>/pupils/<int:pupil_id>/", views.pupil_page, name="pupil_detail"),
]
