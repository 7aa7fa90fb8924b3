from common.runtime import run_service
from processor.bootstrap import main
from processor.settings import ProcessorSettings

run_service("processor", ProcessorSettings, main)
