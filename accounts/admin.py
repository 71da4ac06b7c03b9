from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.forms import StaffLoginForm
from accounts.models import User

# /admin/login/ checks passwords through the one password policy (accounts.views.admin_login).
admin.site.login_form = StaffLoginForm


def _ban_action(days):
    def action(modeladmin, request, queryset):
        # Through moderation, so the ban joins the user's ban history and the audit log.
        from moderation.services import user_ban
        from treehole.errors import DomainError

        done = 0
        for user in queryset:
            try:
                user_ban(user=user, moderator=request.user, days=days, reason=str(_("用户管理页操作")))
                done += 1
            except DomainError as exc:
                messages.error(request, f"{user}: {exc.message}")
        messages.success(request, _("已封禁 %(n)d 个用户。") % {"n": done})

    action.__name__ = f"ban_{days or 'forever'}"
    action.short_description = _("封禁 %(d)s") % {"d": _("永久") if days is None else _("%(n)d 天") % {"n": days}}
    return action


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "is_staff", "is_banned", "banned_until", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_banned", "gender")
    search_fields = ("username", "email")
    ordering = ("-date_joined",)
    readonly_fields = ("token_version", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "email", "password")}),
        (_("资料"), {"fields": ("avatar", "gender", "age", "bio")}),
        (_("封禁"), {"fields": ("is_banned", "banned_until", "token_version")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),)
    raw_id_fields = ("avatar",)
    actions = [_ban_action(1), _ban_action(3), _ban_action(7), _ban_action(30), _ban_action(None), "unban"]

    def get_deleted_objects(self, objs, request):
        # Django's confirmation lists every row that goes with the user by name, their anonymous
        # notes and comments among them: show only how many of each kind.
        _listed, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return [str(user) for user in objs], model_count, perms_needed, protected

    @admin.action(description=_("解除封禁"))
    def unban(self, request, queryset):
        from moderation.services import user_unban

        for user in queryset:
            user_unban(user=user, moderator=request.user)
        messages.success(request, _("已解除 %(n)d 个用户的封禁。") % {"n": queryset.count()})

    def save_model(self, request, obj, form, change):
        # A ban set by editing the form must revoke tokens like the action does.
        if change and {"is_banned", "banned_until"} & set(form.changed_data) and obj.is_banned:
            super().save_model(request, obj, form, change)
            services.user_ban(user=obj, until=obj.banned_until)
            return
        super().save_model(request, obj, form, change)
