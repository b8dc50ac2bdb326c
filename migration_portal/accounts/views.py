"""Account pages: password reset, signing out everywhere, personal API tokens."""

import hashlib
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from . import services
from .forms import ApiTokenForm, PortalPasswordResetForm
from .models import ApiToken

RATE_WINDOW = 60 * 60


def _over_rate(kind: str, value: str, limit: int) -> bool:
    """Count one request for ``value`` in the current hour; True once past ``limit``.

    Values are hashed so the cache holds no e-mail addresses. The count is taken
    before any account is looked up, so it says nothing about whether one exists.
    """
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    key = f"password-reset:{kind}:{digest}:{int(time.time()) // RATE_WINDOW}"
    cache.add(key, 0, RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, RATE_WINDOW)
        count = 1
    return count > limit


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an e-mail address and always answers "if an account exists, a link is on its way"."""

    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        address = get_client_ip_address(self.request) or "unknown"
        if _over_rate("address", address, settings.PASSWORD_RESET_RATE_PER_ADDRESS) or _over_rate(
            "email", email, settings.PASSWORD_RESET_RATE_PER_EMAIL
        ):
            form.add_error("email", _("Too many reset requests. Please wait an hour and try again."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        services.password_reset_request(email=email, language=translation.get_language() or settings.LANGUAGE_CODE)
        return redirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")


class SignOutEverywhereView(LoginRequiredMixin, View):
    """GET asks for confirmation; POST ends every session of the user, this one included."""

    template_name = "registration/sign_out_everywhere.html"

    def get(self, request):
        return render(request, self.template_name, {"token_count": ApiToken.objects.owned_by(request.user).count()})

    def post(self, request):
        if request.POST.get("confirm") != "yes":
            return render(
                request,
                self.template_name,
                {"error": _("Tick the box to confirm."), "token_count": ApiToken.objects.owned_by(request.user).count()},
                status=400,
            )
        services.user_sign_out_everywhere(user=request.user, actor=request.user)
        logout(request)
        messages.success(request, _("You are signed out on every device. Sign in again to continue."))
        return redirect("login")


class ApiTokenListView(LoginRequiredMixin, View):
    """The user's own API tokens: list, create (the token is shown once), revoke."""

    template_name = "registration/api_tokens.html"

    def context(self, form):
        return {
            "tokens": ApiToken.objects.owned_by(self.request.user).order_by("-created"),
            "form": form,
            "max_days": settings.API_TOKEN_MAX_DAYS,
        }

    def get(self, request):
        return render(request, self.template_name, self.context(ApiTokenForm()))

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, clear = services.api_token_create(
                    user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                response = render(
                    request, "registration/api_token_created.html", {"token": token, "clear_token": clear}
                )
                return never_cache_response(response)
        return render(request, self.template_name, self.context(form), status=400)


def never_cache_response(response):
    # The page carries the only copy of a secret: no cache may keep it.
    response["Cache-Control"] = "no-store, max-age=0"
    return response


class ApiTokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        # Only the user's own tokens are reachable here: another's number is a 404.
        token = get_object_or_404(ApiToken.objects.owned_by(request.user), pk=pk)
        services.api_token_revoke(token=token, actor=request.user)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("api-tokens")


sign_out_everywhere = never_cache(SignOutEverywhereView.as_view())
