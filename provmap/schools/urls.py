"""The school set-up pages (provmap.schools.views), under school/<urn>/setup/."""

from django.urls import path

from provmap.schools.views import calendar, funding, rates, resources, setup, staff

S = "school/<str:urn>/setup/"

urlpatterns = [
    path(S, setup.school_setup, name="school_setup"),
    path(f"{S}details/", setup.school_details, name="school_details"),
    # Years and terms
    path(f"{S}years/", calendar.setup_years, name="setup_years"),
    path(f"{S}years/new/", calendar.year_new, name="year_new"),
    path(f"{S}years/<int:year_id>/", calendar.year_edit, name="year_edit"),
    path(f"{S}years/<int:year_id>/delete/", calendar.year_delete, name="year_delete"),
    path(f"{S}years/<int:year_id>/terms/new/", calendar.term_new, name="term_new"),
    path(f"{S}terms/<int:term_id>/", calendar.term_edit, name="term_edit"),
    path(f"{S}terms/<int:term_id>/delete/", calendar.term_delete, name="term_delete"),
    # Rates by role
    path(f"{S}rates/", rates.role_rates, name="role_rates"),
    path(f"{S}rates/new/", rates.role_rate_new, name="role_rate_new"),
    path(f"{S}rates/take/", rates.role_rates_import, name="role_rates_import"),
    path(f"{S}rates/<int:rate_id>/", rates.role_rate_edit, name="role_rate_edit"),
    path(f"{S}rates/<int:rate_id>/delete/", rates.role_rate_delete, name="role_rate_delete"),
    # Staff
    path(f"{S}staff/", staff.setup_staff, name="setup_staff"),
    path(f"{S}staff/new/", staff.staff_member_new, name="staff_member_new"),
    path(f"{S}staff/<int:staff_id>/", staff.staff_member_edit, name="staff_member_edit"),
    path(
        f"{S}staff/<int:staff_id>/delete/",
        staff.staff_member_delete,
        name="staff_member_delete",
    ),
    # Funding streams, their budgets, and the budget page
    path(f"{S}funding/", funding.funding_streams, name="funding_streams"),
    path(f"{S}funding/new/", funding.funding_stream_new, name="funding_stream_new"),
    path(f"{S}funding/<int:stream_id>/", funding.funding_stream_edit, name="funding_stream_edit"),
    path(
        f"{S}funding/<int:stream_id>/delete/",
        funding.funding_stream_delete,
        name="funding_stream_delete",
    ),
    path(
        f"{S}funding/<int:stream_id>/budget/",
        funding.funding_budget_set,
        name="funding_budget_set",
    ),
    path(
        f"{S}budgets/<int:budget_id>/delete/",
        funding.funding_budget_delete,
        name="funding_budget_delete",
    ),
    path("school/<str:urn>/budget/", funding.school_budget, name="school_budget"),
    # General resources
    path(f"{S}resources/", resources.general_resources, name="general_resources"),
    path(f"{S}resources/new/", resources.general_resource_new, name="general_resource_new"),
    path(
        f"{S}resources/<int:resource_id>/",
        resources.general_resource_edit,
        name="general_resource_edit",
    ),
    path(
        f"{S}resources/<int:resource_id>/delete/",
        resources.general_resource_delete,
        name="general_resource_delete",
    ),
]
