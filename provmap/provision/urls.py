from django.urls import path

from provmap.provision import views

urlpatterns = [
    path("school/<str:urn>/map/", views.term_map_page, name="term_map"),
    path("school/<str:urn>/figures/", views.figures_page, name="school_figures"),
    path("school/<str:urn>/my-child/", views.children_page, name="my_children"),
]
