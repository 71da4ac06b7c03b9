"""Moderation pages: the caller's reports and the no-JavaScript door of the report form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from moderation import selectors, services
from moderation.forms import ReportForm
from treehole.errors import DomainError
from treehole.ids import parse_id
from treehole.pagination import page_bounds_lenient
from treehole.ratelimit import rate_limited


@login_required
def my_reports(request):
    number, size = page_bounds_lenient(request.GET.get("page"))
    page = selectors.report_list_mine(user=request.user, page=number, size=size)
    return render(request, "moderation/my_reports.html", {"page": page}, status=404 if page.out_of_range else 200)


@login_required
@require_POST
@rate_limited("report")
def report_new(request):
    form = ReportForm(request.POST)
    next_url = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "moderation:mine"
    if not form.is_valid():
        messages.error(request, _("举报没有提交成功，请选择原因后再试。"))
        return redirect(next_url)
    try:
        services.report_create(
            reporter=request.user,
            target_type=form.cleaned_data["target_type"],
            target_id=parse_id(form.cleaned_data["target_id"]),
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
        )
    except DomainError as exc:
        if exc.code == "banned":
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已收到你的举报，谢谢。处理结果可以在“我的举报”里看到。"))
    return redirect(next_url)
