"""The school's catalogue of provision: list, add, read, change and delete entries.

Anyone who sees the map may read the catalogue; the SENCO and the SEND administrator change it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.provision import selectors, services
from provmap.provision.forms import ProvisionForm, read_provision_snapshot
from provmap.provision.models import Provision
from provmap.pupils.models import Measure
from provmap.web.forms import add_service_errors
from provmap.web.pages import render_school_page, today


def _provision(school, provision_id: int) -> Provision:
    provision = Provision.objects.filter(school=school, pk=provision_id).first()
    if provision is None:
        raise Http404("No such provision.")
    return provision


def catalogue_page(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    return render_school_page(
        request,
        "provision/catalogue.html",
        "catalogue",
        provisions=selectors.catalogue(school),
    )


def provision_new(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    measures = Measure.objects.filter(school=school)
    form = ProvisionForm(
        request.POST or None,
        measures=measures,
        finance=request.access.scope.finance,
        instance=Provision(school=school),
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            provision = services.provision_create(
                school=school,
                name=changes.pop("name"),
                wave=changes.pop("wave"),
                provision_type=changes.pop("provision_type"),
                areas=form.cleaned_data["areas"],
                **changes,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(request, AuditAction.CREATE, obj=provision, summary="Catalogue entry.")
            messages.success(request, f"'{provision.name}' is in the catalogue.")
            return redirect("provision_detail", urn=school.urn, provision_id=provision.pk)
    return render_school_page(request, "provision/provision_form.html", "catalogue", form=form)


def provision_page(request: SchoolRequest, urn: str, provision_id: int) -> HttpResponse:
    school, scope = request.access.school, request.access.scope
    found = selectors.provision_page(school, provision_id, scope, as_of=today())
    if found is None:
        raise Http404("No such provision.")
    return render_school_page(
        request,
        "provision/provision_detail.html",
        "catalogue",
        page=found,
        usual_years=selectors.usual_years_words(found.provision.usual_years),
    )


def provision_edit(request: SchoolRequest, urn: str, provision_id: int) -> HttpResponse:
    school = request.access.school
    provision = _provision(school, provision_id)
    measures = Measure.objects.filter(school=school)
    finance = request.access.scope.finance
    form = ProvisionForm(
        request.POST or None, measures=measures, finance=finance, instance=provision
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.provision_update(
                provision=provision,
                areas=form.cleaned_data["areas"],
                read_version=form.read_version(),
                read=form.read_snapshot(),
                **form.changes(),
            )
        except services.ProvisionChanged as changed:
            # Someone else saved first: say what they changed, and show the entry as it is
            # now (at its new version) for the user to make their changes again.
            for message in changed.messages:
                messages.error(request, message)
            provision = _provision(school, provision_id)
            form = ProvisionForm(measures=measures, finance=finance, instance=provision)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(request, AuditAction.CHANGE, obj=provision, summary="Catalogue entry.")
            messages.success(request, f"'{provision.name}' is saved.")
            return redirect("provision_detail", urn=school.urn, provision_id=provision.pk)
    return render_school_page(
        request,
        "provision/provision_form.html",
        "catalogue",
        form=form,
        provision=Provision.objects.get(pk=provision.pk) if form.is_bound else provision,
    )


@require_POST
def provision_delete(request: SchoolRequest, urn: str, provision_id: int) -> HttpResponse:
    school = request.access.school
    provision = _provision(school, provision_id)
    version = request.POST.get("version", "")
    if not version.isdigit():
        messages.error(request, "The page was out of date: look again and try once more.")
        return redirect("provision_detail", urn=school.urn, provision_id=provision.pk)
    try:
        services.provision_delete(
            provision=provision,
            read_version=int(version),
            read=read_provision_snapshot(request.POST.get("read", "")),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("provision_detail", urn=school.urn, provision_id=provision.pk)
    audit_record(
        request, AuditAction.DELETE, school=school, summary=f"Catalogue entry '{provision.name}'."
    )
    messages.success(request, f"'{provision.name}' is no longer in the catalogue.")
    return redirect(reverse("catalogue", args=[school.urn]))
