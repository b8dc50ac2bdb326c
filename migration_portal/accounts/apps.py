from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "migration_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import record_sign_in
        from .roles import sync_roles

        user_logged_in.connect(record_sign_in, dispatch_uid="accounts.record_sign_in")

        # Groups and their permissions follow roles.py after every migrate, so the
        # roles are reviewed like code and a new model's permissions are never forgotten.
        post_migrate.connect(sync_roles, dispatch_uid="accounts.sync_roles")

        from .two_factor import signals

        signals.connect()
