"""A catalogue entry's price: given exactly when it is bought in, within its bounds, and
refused by the database otherwise."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from provmap.provision.models import CostBasis, Provision
from provmap.provision.services import provision_create, provision_update
from tests.factories import ProvisionFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def _create(**details):
    return provision_create(
        school=SchoolFactory(), name="Counselling", wave=3, provision_type="mentoring", **details
    )


def test_a_priced_entry_needs_its_price():
    with pytest.raises(ValidationError) as caught:
        _create(cost_basis=CostBasis.PER_SESSION)
    assert caught.value.message_dict["price"] == [
        "Give the price: the entry is costed at a price per session (or choose staff time, "
        "or no cost to the school)."
    ]


def test_a_price_without_a_priced_basis_is_refused():
    with pytest.raises(ValidationError) as caught:
        _create(cost_basis=CostBasis.NO_COST, price=Decimal("45"))
    assert "only for a bought-in service" in caught.value.message_dict["price"][0]


def test_the_price_is_within_its_bounds():
    with pytest.raises(ValidationError) as caught:
        _create(cost_basis=CostBasis.PER_YEAR, price=Decimal("250000"))
    assert caught.value.message_dict["price"] == [
        "The price must be between £0.01 and £100,000 (got £250,000)."
    ]


def test_a_price_is_saved_and_changed_with_the_entrys_version():
    provision = _create(cost_basis=CostBasis.PER_SESSION, price=Decimal("45"))
    assert (provision.price, provision.version) == (Decimal("45"), 1)
    provision_update(provision=provision, read_version=1, cost_basis=CostBasis.NO_COST, price=None)
    provision.refresh_from_db()
    assert (provision.cost_basis, provision.price, provision.version) == ("no_cost", None, 2)
    assert provision.cost_words == "No cost to the school"


def test_the_database_refuses_a_price_that_does_not_fit_the_basis():
    provision = ProvisionFactory()
    for basis, price in (
        (CostBasis.PER_RUN, None),
        (CostBasis.STAFF_TIME, Decimal("10")),
        (CostBasis.PER_PUPIL, Decimal("0")),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Provision.objects.filter(pk=provision.pk).update(cost_basis=basis, price=price)
