"""yuqing: public-opinion (舆情) monitoring and response for district governments.

The core package holds what every stage shares: the domain model (`model`), the time
source (`timeutil`), configuration loading and validation (`configuration`), settings,
the seams (`seams`: Bus, Store, Notifier, Source) and their implementations (`bus`, `store`).
Stages live in the top-level packages `crawlers`, `pipeline`, `responders` and `dashboard`.
"""
__version__ = "0.1.0"
