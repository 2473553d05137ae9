from celery import shared_task

from . import reminders


@shared_task
def send_expiry_reminders():
    """Beat, daily: compliance documents about to expire, or expired today
    (docs/compliance.md); run more often, it sends nothing twice (ExpiryReminder)."""
    reminders.reminders_send()
