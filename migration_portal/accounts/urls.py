from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .invitation_views import InvitationAcceptView
from .two_factor import views as two_factor

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("invitation/<uidb64>/<token>/", InvitationAcceptView.as_view(), name="invitation-accept"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("sessions/end-all/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("tokens/", views.ApiTokenListView.as_view(), name="api-tokens"),
    path("tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="api-token-revoke"),
    path("two-factor/", two_factor.TwoFactorView.as_view(), name="two-factor"),
    path("two-factor/verify/", two_factor.TwoFactorVerifyView.as_view(), name="two-factor-verify"),
    path("two-factor/enrol/", two_factor.TwoFactorEnrolView.as_view(), name="two-factor-enrol"),
    path("two-factor/backup-codes/", two_factor.BackupCodesRenewView.as_view(), name="two-factor-backup-codes"),
    path("two-factor/remove/", two_factor.TwoFactorRemoveView.as_view(), name="two-factor-remove"),
]
