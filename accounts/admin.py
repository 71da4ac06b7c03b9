from django.contrib import admin

from accounts.forms import StaffLoginForm

# /admin/login/ checks passwords through the one password policy (accounts.views.admin_login).
# The user admin itself is registered in moderation/admin.py: its bans are moderation's.
admin.site.login_form = StaffLoginForm
