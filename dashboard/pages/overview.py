"""A page of the dashboard: `dashboard.views.overview` (signed in by `dashboard.app.main`)."""
from dashboard.views import overview

overview()
