"""Sign-in (django-allauth), the home page and the SENCO's own pages. Who may open each URL
is in provmap.accounts.policies."""

from allauth.account import urls as allauth_account_urls
from allauth.account import views as allauth_views
from django.urls import include, path

from provmap.accounts import views, views_people

# allauth's account pages (password reset, reauthentication, email...), less the two we
# place ourselves: sign-in at /login/ and a POST-only sign-out at /logout/.
OWN = {"account_login", "account_logout"}
account_pages = [url for url in allauth_account_urls.urlpatterns if url.name not in OWN]

DATA_PROTECTION = "school/<str:urn>/data-protection/"
PEOPLE = "school/<str:urn>/people/"
PERSON = f"{PEOPLE}<int:membership_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", allauth_views.login, name="account_login"),
    path("logout/", views.logout, name="account_logout"),
    path("account/", include(account_pages)),
    path("account/mfa/", include("allauth.mfa.urls")),
    path("account/sessions/", include("allauth.usersessions.urls")),
    path("school/<str:urn>/audit/", views.audit_log, name="audit_log"),
    path(DATA_PROTECTION, views.data_protection, name="data_protection"),
    path(f"{DATA_PROTECTION}pupil/<int:pupil_id>/", views.pupil_data, name="pupil_data"),
    path(
        f"{DATA_PROTECTION}pupil/<int:pupil_id>/export/",
        views.pupil_sar_export,
        name="pupil_sar_export",
    ),
    path(
        f"{DATA_PROTECTION}pupil/<int:pupil_id>/erase/",
        views.pupil_erase_view,
        name="pupil_erase",
    ),
    path(PEOPLE, views_people.people, name="people"),
    path(f"{PEOPLE}invite/", views_people.invite, name="people_invite"),
    path(f"{PEOPLE}pupils/", views_people.pupil_find, name="people_pupil_find"),
    path(PERSON, views_people.membership_edit, name="membership_edit"),
    path(f"{PERSON}remove/", views_people.membership_delete, name="membership_remove"),
    path(f"{PERSON}resend/", views_people.invitation_send_again, name="invitation_resend"),
    path(f"{PERSON}deactivate/", views_people.person_deactivate_view, name="person_deactivate"),
    path(f"{PERSON}reactivate/", views_people.person_reactivate_view, name="person_reactivate"),
    path("trust/<int:trust_id>/people/", views_people.trust_people, name="trust_people"),
]
