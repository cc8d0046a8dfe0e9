"""`schemagen_maintain()` scheduled with pg_cron, on a cluster of its own that preloads pg_cron
(`scripts/install-pg-cron` installs it; scripts/test runs that): the job runs the function once."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemagen.database.cluster import ThrowawayCluster
from schemagen.database.live import connect
from schemagen.pipeline import compile_spec
from schemagen.render.render import render_schema
from tests.test_maintenance import SPEC, held

# pg_cron 1.4 schedules by the minute: the first run comes within a minute of scheduling.
WAIT_SECONDS = 150


@pytest.fixture(scope="module")
def cron_cluster() -> Iterator[ThrowawayCluster]:
    cluster = ThrowawayCluster(
        {
            "shared_preload_libraries": "'pg_cron'",
            "cron.database_name": "'postgres'",
            "cron.use_background_workers": "on",
            "max_worker_processes": "16",
        }
    )
    cluster.start()
    yield cluster
    cluster.stop()


def test_a_pg_cron_job_runs_the_maintenance_function(cron_cluster: ThrowawayCluster, tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "entities.yaml").write_text(textwrap.dedent(SPEC))
    model = compile_spec(tmp_path / "spec").model
    dsn = cron_cluster.create_database("kept")
    with connect(dsn, autocommit=True) as conn:
        conn.execute(render_schema(model).encode(), prepare=False)
        before = held(conn, "messages")
    assert before == [f"messages_2024_0{m}" for m in range(1, 5)] + ["messages_default"]
    with connect(cron_cluster.dsn("postgres"), autocommit=True) as cron:
        cron.execute("CREATE EXTENSION pg_cron")
        (job,) = cron.execute(
            "SELECT cron.schedule_in_database('schemagen-maintain', '* * * * *', "
            "$$SET lock_timeout = '5s'; SELECT public.schemagen_maintain('2024-06-10')$$, 'kept')"
        ).fetchone() or (None,)
        deadline = time.monotonic() + WAIT_SECONDS
        runs: list[tuple[str, str]] = []
        while time.monotonic() < deadline and not runs:
            time.sleep(1)
            runs = cron.execute(
                "SELECT status, return_message FROM cron.job_run_details WHERE jobid = %s AND status <> 'running'",
                (job,),
            ).fetchall()
        cron.execute("SELECT cron.unschedule(%s)", (job,))
        assert runs, f"pg_cron did not run the job within {WAIT_SECONDS} s"
        assert len(runs) == 1 and runs[0][0] == "succeeded", runs
    with connect(dsn, autocommit=True) as conn:
        after = held(conn, "messages")
    # premake 3 on 2024-06-10: through September
    assert after == [f"messages_2024_0{m}" for m in range(1, 10)] + ["messages_default"]
