from django.urls import path

from provmap.schools import views

urlpatterns = [
    path("school/<str:urn>/staff/", views.staff_page, name="staff_load"),
]
