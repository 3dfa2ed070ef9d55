"""A page of the dashboard: `dashboard.views.stats` (signed in by `dashboard.app.main`)."""
from dashboard.views import stats

stats()
