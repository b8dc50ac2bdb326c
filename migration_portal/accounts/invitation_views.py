"""The invitation link: the person chooses a password and lands on the portal, signed in."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """Django's password-reset confirmation: the token is single-use (it depends on the
    password hash and last sign-in) and expires after PASSWORD_RESET_TIMEOUT."""

    template_name = "registration/invitation_confirm.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")
