"""The two-factor pages: enter a code, set up the app, the user's own security page."""

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from .forms import CodeForm, EnrolForm, PasswordConfirmForm
from .services import (
    app_device,
    app_device_pending,
    backup_device,
    has_device,
    must_use_second_factor,
    secret_base32,
    session_verify,
    two_factor_backup_codes_renew,
    two_factor_remove,
    verification_needed,
)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


def qr_svg(text: str) -> str:
    """The QR code as inline SVG: drawn here, so the secret never leaves the server."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _show_backup_codes(request, codes: list[str], *, first_time: bool):
    return render(
        request,
        "accounts/two_factor_backup_codes.html",
        {"codes": codes, "first_time": first_time, "next": _next_url(request)},
    )


@method_decorator([never_cache, login_required], name="dispatch")
class TwoFactorVerifyView(View):
    """Step two of signing in: a code from the app or a backup code."""

    template_name = "accounts/two_factor_verify.html"

    def dispatch(self, request, *args, **kwargs):
        if not verification_needed(request):
            return redirect(_next_url(request))
        if not has_device(request.user):
            return redirect(reverse("two-factor-enrol") + "?" + request.GET.urlencode())
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": CodeForm(user=request.user), "next": _next_url(request)})

    def post(self, request):
        form = CodeForm(request.POST, user=request.user)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "next": _next_url(request)}, status=400)
        session_verify(request, form.device)
        if form.device.persistent_id == getattr(backup_device(request.user), "persistent_id", None):
            left = form.device.token_set.count()
            messages.warning(request, _("You signed in with a backup code; %(left)d remain.") % {"left": left})
        return redirect(_next_url(request))


@method_decorator([never_cache, login_required], name="dispatch")
class TwoFactorEnrolView(View):
    """Set up the authenticator app: the secret and its QR code, confirmed with a code."""

    template_name = "accounts/two_factor_enrol.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if has_device(user) and not user.is_verified():
            # Never a second device from a session that has not proved the first.
            return redirect(reverse("two-factor-verify") + "?" + request.GET.urlencode())
        if app_device(user) is not None:
            return redirect("two-factor")
        self.device = app_device_pending(user=user)
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, form, status=200):
        context = {
            "form": form,
            "secret": _grouped(secret_base32(self.device)),
            "qr": mark_safe(qr_svg(self.device.config_url)),  # SVG drawn by qrcode from our own URL
            "required": must_use_second_factor(request.user),
            "next": _next_url(request),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request, EnrolForm(user=request.user, device=self.device))

    def post(self, request):
        form = EnrolForm(request.POST, user=request.user, device=self.device)
        if not form.is_valid():
            return self._render(request, form, status=400)
        self.device.refresh_from_db()
        session_verify(request, self.device)
        return _show_backup_codes(request, form.backup_codes, first_time=True)


def _verified_owner(request):
    """The pages that change a second factor need a session verified with it."""
    if has_device(request.user) and not request.user.is_verified():
        return redirect(reverse("two-factor-verify") + "?next=" + request.path)
    return None


def _overview(request, remove_form=None, status=200):
    user = request.user
    backup = backup_device(user)
    context = {
        "app": app_device(user),
        "backup_left": backup.token_set.count() if backup else 0,
        "required": must_use_second_factor(user),
        "remove_form": remove_form or PasswordConfirmForm(user=user),
    }
    return render(request, "accounts/two_factor.html", context, status=status)


@method_decorator([never_cache, login_required], name="dispatch")
class TwoFactorView(View):
    """The user's own page: is a second factor on, how many backup codes are left, and changes."""

    def get(self, request):
        return _overview(request)


@method_decorator([never_cache, login_required], name="dispatch")
class BackupCodesRenewView(View):
    def post(self, request):
        refused = _verified_owner(request)
        if refused:
            return refused
        if app_device(request.user) is None:
            return redirect("two-factor")
        return _show_backup_codes(request, two_factor_backup_codes_renew(user=request.user), first_time=False)


@method_decorator([never_cache, login_required], name="dispatch")
class TwoFactorRemoveView(View):
    def post(self, request):
        refused = _verified_owner(request)
        if refused:
            return refused
        user = request.user
        form = PasswordConfirmForm(request.POST, user=user)
        if not form.is_valid():
            return _overview(request, form, status=400)
        two_factor_remove(user=user)
        if must_use_second_factor(user):
            messages.warning(request, _("Two-factor sign-in was removed. Your account requires it: set it up again now."))
            return redirect("two-factor-enrol")
        messages.success(request, _("Two-factor sign-in was removed."))
        return redirect("two-factor")
