from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register_start, name="register"),
    path("register/verify/", views.register_verify, name="register_verify"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("logout/everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("password-reset/", views.password_reset_start, name="password_reset"),
    path("password-reset/confirm/", views.password_reset_confirm, name="password_reset_confirm"),
    path("me/", views.profile, name="profile"),
    path("me/edit/", views.profile_edit, name="profile_edit"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/export/", views.data_export, name="data_export"),
    path("me/delete/", views.account_delete, name="account_delete"),
]
