from common.runtime import run_service
from dashboard.bootstrap import main
from dashboard.settings import DashboardSettings

run_service("dashboard", DashboardSettings, main)
