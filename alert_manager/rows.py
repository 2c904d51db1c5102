"""The SQL of the alert path's hot statements, compiled once per database instead of once per packet.

A new alert is the common case and the one whose latency counts (publish -> the scheduler told): through
the ORM its five statements cost ~1.5 ms of Python on this machine (query compilation, model save
machinery), four times the database's own work. Here the same statements are built once per model and
connection and run with the values the model fields prepare, so what is stored is exactly what
``save()`` stores (same ``pre_save`` and ``get_db_prep_save`` per field; no model signal is sent, and no
code of pyros listens to these models' signals). Updates, retractions and duplicates stay on the ORM.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from .models import Alert, AlertPacket

DB = "default"


def seen_and_same_trigger(ivorn: str, mission: str, trigger_id: str) -> tuple[int | None, int | None]:
    """The alert that already has a packet with this IVORN (a duplicate), and the first alert of the same
    mission + trigger id (an update), in one query; None for either when there is none."""
    connection = connections[DB]
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(connection.alias), [ivorn, mission, trigger_id or None])
        row = cursor.fetchone()
    return row[0], row[1]


def insert(obj: Model) -> None:
    """INSERT a new row as ``obj.save(force_insert=True)`` does; sets its primary key."""
    connection = connections[DB]
    sql, fields, returning = _insert_sql(type(obj), connection.alias)
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


def set_stored_at(alert: Alert, when: datetime) -> None:
    connection = connections[DB]
    with connection.cursor() as cursor:
        cursor.execute(_stored_at_sql(connection.alias), [connection.ops.adapt_datetimefield_value(when), alert.pk])
    alert.stored_at = when


@cache
def _lookup_sql(alias: str) -> str:
    q = connections[alias].ops.quote_name
    packet, alert = AlertPacket._meta, Alert._meta
    return (
        f"SELECT (SELECT {q(packet.get_field('alert').column)} FROM {q(packet.db_table)}"
        f" WHERE {q(packet.get_field('ivorn').column)} = %s),"
        f" (SELECT {q(alert.pk.column)} FROM {q(alert.db_table)} WHERE {q(alert.get_field('mission').column)} = %s"
        f" AND {q(alert.get_field('trigger_id').column)} = %s ORDER BY {q(alert.pk.column)} LIMIT 1)"
    )


@cache
def _insert_sql(model: type[Model], alias: str) -> tuple[str, list[Field[Any, Any]], bool]:
    connection: BaseDatabaseWrapper = connections[alias]
    q = connection.ops.quote_name
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
    columns = ", ".join(q(f.column) for f in fields)
    sql = f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    returning = bool(connection.features.can_return_columns_from_insert)
    if returning:
        sql += f" RETURNING {q(meta.pk.column)}"
    return sql, fields, returning


@cache
def _stored_at_sql(alias: str) -> str:
    q = connections[alias].ops.quote_name
    meta = Alert._meta
    return f"UPDATE {q(meta.db_table)} SET {q(meta.get_field('stored_at').column)} = %s WHERE {q(meta.pk.column)} = %s"
