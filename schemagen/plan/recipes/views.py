"""Views and materialized views: dropped and created again in dependency order when they change, or a
plain view's query replaced in place when its columns stay."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import CreateView, DropView, ReplaceView
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


def replace_view(change: ReplaceView) -> Operation:
    view = change.view
    return Operation(
        Kind.REPLACE_VIEW,
        view.name,
        f"replace the query of view {view.name} in place (its columns stay, so what depends on it stays)",
        (steps.replace_view(view),),
        order=Phase.VIEWS,
        source=change,
    )
