"""Bronze test fixtures: a private landing zone and source name per test, so tests never share tables."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import ingest
from jobs.ingest_ledger import FILES_TABLE
from jobs.runs import JobRun
from transforms.contracts import SourceContract, load_contracts


@dataclass
class Landing:
    """One test's landing zone for a copy of a real contract under a unique source name."""

    spark: SparkSession
    root: Path
    contract: SourceContract

    @property
    def source(self) -> str:
        return self.contract.source

    def write(self, delivery: str, name: str, data: bytes) -> Path:
        path = self.root / self.source / delivery / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def ingest(self) -> JobRun:
        job_run = JobRun("ingest", {"source": [self.source]})
        with ingest._read_settings(self.spark):
            ingest.ingest_source(self.spark, self.contract, str(self.root), job_run)
        return job_run

    def bronze(self) -> DataFrame:
        return self.spark.table(f"bronze.{self.source}")

    def quarantine(self) -> DataFrame:
        return self.spark.table(ingest.QUARANTINE_TABLE).where(F.col("source") == self.source)

    def files(self) -> DataFrame:
        return self.spark.table(FILES_TABLE).where(F.col("source") == self.source)

    def quarantined(self) -> list[tuple]:
        """(file, line_number, reason_code) of quarantined rows, sorted."""
        rows = self.quarantine().select("file", "line_number", "reason_code").collect()
        return sorted((r.file, r.line_number, r.reason_code) for r in rows)


@pytest.fixture
def landing(spark, tmp_path):
    """landing("dopa_registry") -> a Landing for a copy of that contract named t_<random>."""
    contracts = load_contracts()

    def make(source: str, **changes) -> Landing:
        name = f"t_{source}_{uuid.uuid4().hex[:8]}"
        contract = contracts[source].model_copy(update={"source": name, **changes})
        return Landing(spark, tmp_path / "landing", contract)

    return make
