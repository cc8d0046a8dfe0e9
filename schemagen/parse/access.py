"""The shape of an entity's access settings: `owner:`, `grants:`, `row_level_security:`, `policies:` and
`replica_identity:` (their meaning is checked by `build.access`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StrictBool

from schemagen.parse.shape import Shape
from schemagen.parse.shortforms import (
    empty as _empty,
)
from schemagen.parse.shortforms import (
    lower as _lower,
)
from schemagen.parse.shortforms import (
    lower_all as _lower_all,
)
from schemagen.parse.shortforms import (
    privileges as _privileges,
)
from schemagen.parse.shortforms import (
    roles as _roles,
)


class GrantSpec(Shape):
    privileges: Annotated[list[str], BeforeValidator(_lower_all)] = Field(min_length=1)
    grant_option: StrictBool = False


Grant = Annotated[GrantSpec, BeforeValidator(_privileges, json_schema_input_type=str | list[str] | GrantSpec)]


class RowSecuritySpec(Shape):
    enabled: StrictBool = True
    forced: StrictBool = False


class PolicySpec(Shape):
    for_: Annotated[Literal["all", "select", "insert", "update", "delete"], BeforeValidator(_lower)] = Field(
        default="all", alias="for"
    )
    as_: Annotated[Literal["permissive", "restrictive"], BeforeValidator(_lower)] = Field(
        default="permissive", alias="as"
    )
    to: Annotated[list[str], BeforeValidator(_roles, json_schema_input_type=str | list[str])] = Field(
        default_factory=list
    )
    using: str | None = None
    with_check: str | None = None
    comment: str | None = None


class RoleSpec(Shape):
    login: StrictBool = False
    inherit: StrictBool = True
    in_: Annotated[list[str], BeforeValidator(_roles, json_schema_input_type=str | list[str])] = Field(
        default_factory=list, alias="in"
    )


Role = Annotated[RoleSpec, BeforeValidator(_empty, json_schema_input_type=RoleSpec | None)]


class DefaultPrivilegesSpec(Shape):
    # not `on`: YAML 1.1 reads a bare `on` as true
    objects: Annotated[Literal["tables", "sequences", "functions", "types"], BeforeValidator(_lower)]
    schema_: str | None = Field(default=None, alias="schema")
    # without IN SCHEMA: the objects created later in every schema
    global_: StrictBool = Field(default=False, alias="global")
    for_role: str | None = None
    grants: dict[str, Grant] = Field(default_factory=dict)
    # with `global: true` on functions: false takes back the EXECUTE PostgreSQL gives PUBLIC
    public_execute: StrictBool = True


class ReplicaIndexSpec(Shape):
    index: str


ReplicaIdentitySpec = (
    Annotated[Literal["default", "full", "nothing"], BeforeValidator(_lower)] | ReplicaIndexSpec
)
