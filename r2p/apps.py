from django.apps import AppConfig
from django.db.models.signals import post_migrate


class R2PConfig(AppConfig):
    name = "r2p"
    verbose_name = "r2p core: users, access, audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from r2p import receivers

        receivers.connect()
        post_migrate.connect(_roles_sync_after_migrate, dispatch_uid="r2p-roles-sync")


def _roles_sync_after_migrate(sender, **kwargs) -> None:
    # Runs once per migrated app; cheap and idempotent, and it means a permission declared in
    # r2p/roles.py is granted as soon as the app that defines it is migrated.
    from r2p.access import _view_permission_id
    from r2p.roles import roles_sync

    # A migrate or a flush may have created permissions anew, under new ids.
    _view_permission_id.cache_clear()
    roles_sync()
