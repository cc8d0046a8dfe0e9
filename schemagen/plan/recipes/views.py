"""Views and materialized views, dropped and created again in dependency order when they change."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import CreateView, DropView
from schemagen.plan.operations import Kind, Operation, Phase


def create_view(change: CreateView) -> Operation:
    view = change.view
    return Operation(
        Kind.CREATE_VIEW,
        view.name,
        f"create {'materialized ' if view.materialized else ''}view {view.name}",
        (steps.create_view(view),),
        order=Phase.VIEWS,
        source=change,
    )


def drop_view(change: DropView) -> Operation:
    view = change.view
    return Operation(
        Kind.DROP_VIEW,
        view.name,
        f"drop view {view.name}",
        (steps.drop_view(view),),
        order=Phase.DROP_VIEWS,
        source=change,
    )
