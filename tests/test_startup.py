"""What start-up leaves to first use still works when it is used: the catalog's functions made on
demand, the deparser and the literal-cast visitor imported by the first comparison of expressions."""

from __future__ import annotations

import subprocess
import sys

from schemagen.postgres import builtins, expressions


def test_normalized_expressions_import_the_deparser_when_first_used() -> None:
    probe = (
        "import sys\n"
        "from schemagen.postgres import expressions\n"
        "print('pglast.stream' in sys.modules, 'pglast.visitors' in sys.modules)\n"
        "print(expressions.normalized('(total > 0::numeric)'))\n"
        "print('pglast.stream' in sys.modules, 'pglast.visitors' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["False False", "total > 0", "True True"]
    assert expressions.normalized("status = 'a'::text") == "status = 'a'"
    assert expressions.normalized("a::int + 1") == "CAST(a AS integer) + 1"
    assert expressions.normalized("x +") == "x +"


def test_the_catalogs_functions_are_made_on_demand_and_merged_with_a_specs_own() -> None:
    core = builtins.catalog(15)
    with_pgcrypto = builtins.catalog(15, ["pgcrypto"])
    assert "gen_random_uuid" in core.functions and "crypt" not in core.functions
    assert "crypt" in with_pgcrypto.functions and with_pgcrypto.functions["crypt"][0].extension == "pgcrypto"
    assert core.elsewhere.functions["crypt"] == "pgcrypto"
    lower = core.functions["lower"]
    assert lower is core.functions["lower"] and all(f.name == "lower" for f in lower)
    assert len(core.functions) == len(list(core.functions)) > 2000
    own = builtins.with_functions(
        core, [("lower", "x my_type", "text", "immutable"), ("mine", "", "int", "stable")]
    )
    assert own.functions["lower"][: len(lower)] == lower and own.functions["lower"][-1].args == ("my_type",)
    assert own.functions["mine"][0].result == "integer" and own.functions["mine"][0].volatility == "s"
    assert list(own.functions)[-1] == "mine" and len(own.functions) == len(core.functions) + 1
    assert "lower" in own.functions and "nothing_of_the_kind" not in own.functions
    assert own.functions.get("nothing_of_the_kind") is None
