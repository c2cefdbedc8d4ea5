"""A classified record shaped like the real ones, to test r2p.access in isolation."""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from r2p.models import Classified


class Dossier(Classified):
    title = models.CharField(max_length=200)


class DossierUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Dossier, on_delete=models.CASCADE)


class DossierGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Dossier, on_delete=models.CASCADE)
