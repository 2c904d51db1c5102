"""Admin (titled pyros, "View site" is the operator console at ``/``): read-only agent status and
message log (no add, change or delete), and the "Agents" dashboard with a send form.

The dashboard (``/admin/common/agentstatus/dashboard/``) is linked from the admin index (the index
template of the default site adds an "Agents" box) and from the agent status list; the "Send a
message" action of the agent status list opens it with the agent chosen.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from .conf import setting
from .inject import InjectResult, inject
from .models import AgentStatus, MessageLog
from .permissions import can_inject
from .status import agent_views

admin.site.index_template = "admin/common/index.html"
admin.site.site_header = "pyros administration"
admin.site.site_title = "pyros"
admin.site.index_title = "pyros administration"
admin.site.site_url = "/"  # "View site": the operator console


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # runtime data: written by the agents and the log, never edited by hand


class SendMessageForm(forms.Form):
    agent = forms.ChoiceField()
    message = forms.CharField(max_length=255, initial="PING")
    params = forms.JSONField(required=False, initial=dict, help_text='A JSON object, e.g. {"id": 1}.')
    timeout = forms.FloatField(min_value=0.001, required=False, help_text="Seconds (default PYROS_SEND_TIMEOUT).")

    def __init__(self, *args: Any, agents: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [(name, name) for name in agents]
        self.fields["timeout"].max_value = float(setting("PYROS_INJECT_MAX_TIMEOUT"))

    def clean_params(self) -> dict[str, Any]:
        params = self.cleaned_data.get("params")
        if params in (None, ""):
            return {}
        if not isinstance(params, dict):
            raise forms.ValidationError('params must be a JSON object, like {"id": 1}')
        return params


@admin.register(AgentStatus)
class AgentStatusAdmin(ReadOnlyAdmin):
    list_display = ["name", "state", "host", "port", "pid", "hostname", "messages_handled", "errors"]
    list_display += ["last_message", "last_message_at", "heartbeat_at"]
    list_filter = ["state", "hostname"]
    search_fields = ["name", "last_message", "last_error", "hostname"]
    actions = ["send_message"]

    def get_urls(self) -> list[URLPattern]:
        dashboard = self.admin_site.admin_view(self.dashboard_view)
        return [path("dashboard/", dashboard, name="common_agents_dashboard"), *super().get_urls()]

    @admin.action(description="Send a message to the selected agent")
    def send_message(self, request: HttpRequest, queryset: QuerySet[AgentStatus]) -> HttpResponseRedirect:
        first = queryset.order_by("name").first()
        url = reverse("admin:common_agents_dashboard")
        return HttpResponseRedirect(f"{url}?agent={first.name}" if first else url)

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request) and not can_inject(request.user):
            raise PermissionDenied
        views = agent_views()
        allowed = can_inject(request.user)
        result = None
        form = SendMessageForm(
            request.POST or None,
            agents=[view["name"] for view in views],
            initial={"agent": request.GET.get("agent", "")},
        )
        if request.method == "POST":
            if not allowed:
                raise PermissionDenied
            if form.is_valid():
                result = self._send(request, form.cleaned_data)
                views = agent_views()
        context = {
            **self.admin_site.each_context(request),
            "title": "Agents",
            "agents": views,
            "form": form,
            "can_inject": allowed,
            "result": result,
            "result_json": json.dumps(result.body(), indent=2) if result else "",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/common/agents_dashboard.html", context)

    def _send(self, request: HttpRequest, data: dict[str, Any]) -> InjectResult:
        result = inject(request.user, data["agent"], data["message"], data["params"], data["timeout"], via="admin")
        if result.ok:
            messages.success(request, f"{data['message']} -> {data['agent']}: replied in {result.round_trip_ms} ms")
        else:
            error = result.error or {}
            text = f"{data['message']} -> {data['agent']}: {result.status_code} {result.outcome}: "
            messages.error(request, text + f"{error.get('type')}: {error.get('text')}")
        return result


@admin.register(MessageLog)
class MessageLogAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "agent", "message", "user", "via", "outcome", "status_code", "round_trip_ms"]
    list_filter = ["outcome", "via", "agent", "sent_at"]
    search_fields = ["agent", "message", "error_type", "error_text", "user__username"]
    date_hierarchy = "sent_at"
    list_select_related = ["user"]
