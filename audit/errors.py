"""Every error the audit package raises, in one hierarchy (catch ``AuditError`` for all of them).

::

    AuditError                      base class; str(e) tells the user what to do next
    ├── StoreOpenError              the database file cannot be opened or created (path, cause)
    ├── SchemaVersionError          the file was written by a newer fleetops (upgrade fleetops)
    ├── StoreBusyError              another writer held the lock longer than the busy timeout
    ├── InvalidEventError           ValueError too: unknown event type or field, bad value
    ├── InvalidQueryError           ValueError too: a bad filter (``since``), export format, ...
    ├── NotFoundError               LookupError too
    │   ├── EventNotFound           no audit event with that id
    │   └── ChangeNotFound          no change request with that id
    └── InvalidTransitionError      a state change the change-request lifecycle does not allow
                                    (a programming error in the caller, never a lost race: races
                                    are reported by ``transition()`` returning False)

A broken hash chain is not an exception: ``AuditLog.verify()`` returns a ``VerifyResult`` naming
the first bad row and why. Concurrency outcomes (a CAS that lost, a duplicate approval) are return
values too, so the caller decides what to tell the user.
"""
from __future__ import annotations

from audit import messages as msg


class AuditError(Exception):
    """Base class of every audit/change-store error."""


class StoreOpenError(AuditError):
    def __init__(self, path: object, cause: object):
        super().__init__(msg.STORE_OPEN.format(path=path, cause=cause))
        self.path, self.cause = path, cause


class SchemaVersionError(AuditError):
    def __init__(self, path: object, found: int, known: int):
        super().__init__(msg.SCHEMA_TOO_NEW.format(path=path, found=found, known=known))
        self.path, self.found, self.known = path, found, known


class StoreBusyError(AuditError):
    def __init__(self, path: object, timeout_s: float):
        super().__init__(msg.STORE_BUSY.format(path=path, timeout=timeout_s))
        self.path, self.timeout_s = path, timeout_s


class InvalidEventError(AuditError, ValueError):
    pass


class InvalidQueryError(AuditError, ValueError):
    pass


class NotFoundError(AuditError, LookupError):
    pass


class EventNotFound(NotFoundError):
    def __init__(self, event_id: object):
        super().__init__(msg.EVENT_NOT_FOUND.format(id=event_id))
        self.id = event_id

    def __str__(self) -> str:  # LookupError/KeyError would repr() the message
        return self.args[0]


class ChangeNotFound(NotFoundError):
    def __init__(self, change_id: object):
        super().__init__(msg.CHANGE_NOT_FOUND.format(id=change_id))
        self.id = change_id

    def __str__(self) -> str:
        return self.args[0]


class InvalidTransitionError(AuditError):
    def __init__(self, from_state: str, to_state: str, allowed: object):
        super().__init__(msg.BAD_TRANSITION.format(src=from_state, dst=to_state, allowed=allowed))
        self.from_state, self.to_state = from_state, to_state
