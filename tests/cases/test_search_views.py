import pytest
from django.urls import reverse

from cases import services
from r2p.models import Classification

pytestmark = pytest.mark.django_db


def test_amina_finds_a_situation_and_a_signal_from_the_top_bar(
    client, analyst, situation, make_signal
):
    make_signal(headline="Masalit villagers killed in dawn attack on Misterei")
    make_signal(headline="Market reopens in Gao")
    client.force_login(analyst)
    home = client.get(reverse("home")).content.decode()
    assert 'action="/search/"' in home
    page = client.get(reverse("cases:search"), {"q": "Misterei"}).content.decode()
    assert "<mark>Misterei</mark>" in page and "Market reopens" not in page
    by_country = client.get(reverse("cases:search"), {"q": "mli"}).content.decode()
    assert situation.title in by_country


def test_search_shows_only_what_the_person_may_see(client, analyst, senior_analyst, make_signal):
    services.situation_create(
        created_by=senior_analyst,
        title="Quiet coastal townships",
        countries=["MMR"],
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    make_signal(
        actor=senior_analyst,
        headline="Quiet coastal townships emptied overnight",
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    client.force_login(analyst)
    page = client.get(reverse("cases:search"), {"q": "coastal townships"}).content.decode()
    assert "Quiet coastal" not in page
    assert "No situation you can see" in page and "No signal you can see" in page


@pytest.mark.parametrize("person", ["liaison", "auditor", "outsider", "partner"])
def test_people_outside_the_joint_office_get_no_search(client, person, request):
    client.force_login(request.getfixturevalue(person))
    assert client.get(reverse("cases:search"), {"q": "attack"}).status_code == 404
    assert 'action="/search/"' not in client.get(reverse("home")).content.decode()


def test_an_empty_search_explains_what_to_type(client, analyst):
    client.force_login(analyst)
    page = client.get(reverse("cases:search")).content.decode()
    assert "Type a few words" in page
