"""A page of the dashboard: `dashboard.views.unit_todo` (signed in by `dashboard.app.main`)."""
from dashboard.views import unit_todo

unit_todo()
