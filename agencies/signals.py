"""Extension points other apps listen to (the only signals the domain uses: they decouple
agencies from the worker register, which compares reports with its own records)."""

from django.dispatch import Signal

#: Sent after a monthly report is submitted, inside the transaction. kwargs: report, actor.
report_submitted = Signal()
