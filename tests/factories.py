from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from r2p.models import Classification, User
from r2p.roles import role_lookup

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    clearance = Classification.CONFIDENTIAL
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            role = role_lookup(extracted)
            self.groups.set([Group.objects.get(name=role.name)])
            if role.staff and not self.is_staff:
                self.is_staff = True
        if create:
            self.save()
