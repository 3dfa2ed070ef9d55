"""A page of the dashboard: `dashboard.views.system` (signed in by `dashboard.app.main`)."""
from dashboard.views import system

system()
