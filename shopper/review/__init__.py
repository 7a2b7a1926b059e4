"""The manager's review desk: approve, return with notes, edit with a reason; every
action checked against the visit's revision and kept in its audit trail."""
