from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

from accounts.api import auth_router as accounts_auth_router
from accounts.api import router as accounts_router
from accounts import views as account_views
from chat.api import router as chat_router
from comments.api import router as comments_router
from moderation.api import router as moderation_router
from notes.api import router as notes_router
from notifications.api import router as notifications_router
from treehole.api import api
from treehole.health import healthz
from treehole.seo import robots_txt
from treehole.theme import set_theme
from uploads.api import router as uploads_router

# Each app contributes a router; they are mounted here, once, in contract order.
api.add_router("/auth", accounts_auth_router)
api.add_router("", accounts_router)
api.add_router("", notes_router)
api.add_router("", comments_router)
api.add_router("/chat", chat_router)
api.add_router("/uploads", uploads_router)
api.add_router("", moderation_router)
api.add_router("", notifications_router)

admin.site.site_header = "心灵树洞 · 管理"
admin.site.site_title = "心灵树洞"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Browsers ask for /favicon.ico whatever the page links (the admin links none).
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("api/v1/", api.urls),
    # Before the admin's own URLs: its login goes through the site's login policy (issue 14 #2).
    path("admin/login/", account_views.admin_login, name="admin_login"),
    # A staff member changes their own password on the site's page: it is a password door
    # (accounts.services.password_gate) and revokes their tokens; Django's admin form is neither.
    path("admin/password_change/", RedirectView.as_view(pattern_name="accounts:password_change")),
    path("admin/", admin.site.urls),
    path("captcha/", include("captcha.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The pages' scripts translate with django.gettext (djangojs catalogs); base.html asks for it
    # with the language in the URL, so a browser may keep it a day.
    path("jsi18n/", cache_control(max_age=86400, public=True)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("theme/", set_theme, name="set_theme"),
    path("accounts/", include("accounts.urls")),
    path("chat/", include("chat.urls")),
    path("reports/", include("moderation.urls")),
    path("", include("notifications.urls")),
    path("", include("comments.urls")),
    path("", include("notes.urls")),
]

# Friendly pages in the site's language for pages, the contract's JSON under /api/ (treehole/errorpages.py).
handler400 = "treehole.errorpages.bad_request"
handler403 = "treehole.errorpages.permission_denied"
handler404 = "treehole.errorpages.page_not_found"
handler500 = "treehole.errorpages.server_error"

if settings.SERVE_MEDIA:
    # One app process is usable without nginx; in compose nginx serves /media/ itself.
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
