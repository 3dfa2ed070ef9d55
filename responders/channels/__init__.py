"""Alert channels behind the `Notifier` seam (yuqing.seams): the dashboard inbox and email."""
from responders.channels.config import ChannelsConfig, EscalationTiming

__all__ = ["ChannelsConfig", "EscalationTiming"]
