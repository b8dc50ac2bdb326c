from django.contrib.auth import views as auth_views
from django.urls import path

from .two_factor import views as two_factor

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("two-factor/", two_factor.TwoFactorView.as_view(), name="two-factor"),
    path("two-factor/verify/", two_factor.TwoFactorVerifyView.as_view(), name="two-factor-verify"),
    path("two-factor/enrol/", two_factor.TwoFactorEnrolView.as_view(), name="two-factor-enrol"),
    path("two-factor/backup-codes/", two_factor.BackupCodesRenewView.as_view(), name="two-factor-backup-codes"),
    path("two-factor/remove/", two_factor.TwoFactorRemoveView.as_view(), name="two-factor-remove"),
]
