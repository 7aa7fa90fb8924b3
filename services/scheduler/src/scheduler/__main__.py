from common.runtime import run_service
from scheduler.bootstrap import main
from scheduler.settings import SchedulerSettings

run_service("scheduler", SchedulerSettings, main)
