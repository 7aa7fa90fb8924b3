from common.runtime import run_service
from ingest.bootstrap import main
from ingest.settings import IngestSettings

run_service("ingest", IngestSettings, main)
