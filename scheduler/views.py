"""The console's Schedule panel (``/schedule/``): the current night as a timeline of slots and the
altitude of the scheduled targets, drawn server-side (``svg``); ``/schedule/night.svg`` alone, which
the page fetches again on each websocket ``schedule`` event."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import store, svg


@login_required(login_url="login")
def schedule_page(request: HttpRequest) -> HttpResponse:
    view = store.schedule_view(store.current_schedule())
    context = {"schedule": view, "svg": svg.render(view), "section": "schedule"}
    return render(request, "scheduler/schedule.html", context)


@login_required(login_url="login")
def night_svg(request: HttpRequest) -> HttpResponse:
    return HttpResponse(svg.render(store.schedule_view(store.current_schedule())), content_type="image/svg+xml")
