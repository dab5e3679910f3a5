"""Audit log and change-request store (SQLite through sqlite-utils; the only code importing it).

One file, opened with ``audit.store.open_store(path) -> Store``; ``Store.audit`` is the
``AuditLog``, ``Store.changes`` the ``ChangeStore``, ``Store.atomic()`` groups writes of both into
one transaction, ``Store.claim_delivery(key)`` de-duplicates inbound deliveries.

Modules (importing this package imports none of them, so ``audit.timeutil`` stays light):

* ``store``     ``open_store``, ``Store``
* ``log``       ``AuditLog``: ``record(event, **fields)``, ``record_many``, ``get``, ``list``,
                ``head``, ``verify(expect_head=None) -> VerifyResult``, ``export(fmt, out)``;
                the chain format (``canonical``, ``row_hash``) is documented there
* ``changes``   ``ChangeStore``: ``create``, ``get``, ``list``, ``pending_for``, ``approvals``,
                ``transition`` (compare-and-set), ``add_approval``, ``claim_execution``,
                ``replan``, ``expire_due``, ``find_executing``, ``set_card``
* ``models``    ``AuditEvent``, ``ChangeRequest``, ``Approval``, ``ApprovalResult``,
                ``VerifyResult``; ``EVENTS`` (audit event types), ``STATES``/``TRANSITIONS``
* ``redact``    ``redact(value)``, applied to every stored field
* ``db``        ``Database`` (durability, locking, migrations), ``MIGRATIONS``
* ``timeutil``  ``iso``, ``parse_since("24h" | "7d" | ISO)``, ``parse_duration("4h")``
* ``errors``    the exception hierarchy (``AuditError`` and subclasses)
"""
