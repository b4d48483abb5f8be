from django.urls import path

from provmap.provision.views import (
    catalogue,
    children,
    daily,
    figures,
    map,
    registers,
    run_edit,
    runs,
    staff,
    trust,
)

urlpatterns = [
    # A trust's schools side by side (trust leaders)
    path("trust/<int:trust_id>/", trust.trust_dashboard, name="trust_dashboard"),
    # The maps
    path("school/<str:urn>/map/", map.term_map_page, name="term_map"),
    path("school/<str:urn>/map/pupils/", map.map_pupils_page, name="map_pupils"),
    path("school/<str:urn>/map/year/", map.year_map_page, name="year_map"),
    path("school/<str:urn>/map/waves/", map.waves_page, name="waves"),
    path("school/<str:urn>/map/no-provision/", daily.unmet_need_page, name="unmet_need"),
    # Those who deliver provision: their week
    path("school/<str:urn>/my-week/", daily.my_week_page, name="my_week"),
    # Figures and a parent's view
    path("school/<str:urn>/figures/", figures.figures_page, name="school_figures"),
    path("school/<str:urn>/my-child/", children.children_page, name="my_children"),
    # Staff time
    path("school/<str:urn>/staff/", staff.staff_page, name="staff_load"),
    # The catalogue
    path("school/<str:urn>/provisions/", catalogue.catalogue_page, name="catalogue"),
    path("school/<str:urn>/provisions/new/", catalogue.provision_new, name="provision_new"),
    path(
        "school/<str:urn>/provisions/<int:provision_id>/",
        catalogue.provision_page,
        name="provision_detail",
    ),
    path(
        "school/<str:urn>/provisions/<int:provision_id>/edit/",
        catalogue.provision_edit,
        name="provision_edit",
    ),
    path(
        "school/<str:urn>/provisions/<int:provision_id>/delete/",
        catalogue.provision_delete,
        name="provision_delete",
    ),
    # Runs and their groups
    path("school/<str:urn>/runs/new/", runs.run_new, name="run_new"),
    path("school/<str:urn>/runs/<int:run_id>/", runs.run_page, name="run_detail"),
    path(
        "school/<str:urn>/runs/<int:run_id>/pupils/add/",
        runs.run_add_pupils,
        name="run_add_pupils",
    ),
    path(
        "school/<str:urn>/runs/<int:run_id>/placements/<int:placement_id>/remove/",
        runs.run_remove_pupil,
        name="run_remove_pupil",
    ),
    path("school/<str:urn>/runs/<int:run_id>/results/", runs.run_results, name="run_results"),
    path(
        "school/<str:urn>/runs/<int:run_id>/register/",
        registers.run_register,
        name="run_register",
    ),
    path(
        "school/<str:urn>/runs/<int:run_id>/sessions/<int:session_id>/delete/",
        registers.run_session_delete,
        name="run_session_delete",
    ),
    path("school/<str:urn>/runs/<int:run_id>/close/", run_edit.run_close, name="run_close"),
    path("school/<str:urn>/runs/<int:run_id>/edit/", run_edit.run_edit, name="run_edit"),
    path("school/<str:urn>/runs/<int:run_id>/delete/", run_edit.run_delete, name="run_delete"),
    path("school/<str:urn>/runs/<int:run_id>/undo/", run_edit.run_undo, name="run_undo"),
    path(
        "school/<str:urn>/runs/<int:run_id>/slots/add/", run_edit.run_slot_add, name="run_slot_add"
    ),
    path(
        "school/<str:urn>/runs/<int:run_id>/slots/remove/",
        run_edit.run_slot_remove,
        name="run_slot_remove",
    ),
    path(
        "school/<str:urn>/runs/<int:run_id>/placements/<int:placement_id>/",
        run_edit.placement_edit,
        name="placement_edit",
    ),
    path(
        "school/<str:urn>/runs/<int:run_id>/placements/<int:placement_id>/withdraw/",
        run_edit.placement_withdraw,
        name="placement_withdraw",
    ),
]
