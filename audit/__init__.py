"""Audit log and change-request store (SQLite through sqlite-utils; the only code importing it).

One file, opened with ``audit.store.open_store(path) -> Store``; ``Store.audit`` is the
``AuditLog``, ``Store.changes`` the ``ChangeStore``, ``Store.atomic()`` groups writes of both into
one transaction, ``Store.claim_delivery(key)`` de-duplicates inbound deliveries.

Modules (importing this package imports none of them, so ``audit.timeutil`` stays light):

* ``store``         ``open_store``, ``Store``
* ``log``           ``AuditLog``: ``record(event, **fields)``, ``record_many``, ``get``, ``list``, ``count``,
                    ``head``, ``verify(expect_head=None) -> VerifyResult``, ``export(fmt, out)``,
                    ``add_listener`` (the witness counts appends through it)
* ``chain``         the chain format, pure: ``COLUMNS``, ``canonical``, ``row_hash``, ``verify_rows``
                    (``log`` appends and ``verify`` checks on top of it)
* ``verify``        ``verify_path(path, digests=, key=, expect_head=) -> VerifyReport``: checks a database
                    file (and a digest file) and reports every ``Problem`` instead of raising
* ``witness``       ``Witness``: signed digests of the log's head in a file outside the database;
                    ``load_key``, ``append_digest``, ``read_digests``
* ``housekeeping``  ``prune_deliveries``, ``Housekeeper``: forgets inbound delivery ids past Slack's
                    retry window
* ``changes``       ``ChangeStore``: ``create``, ``get``, ``list``, ``pending_for``, ``approvals``,
                    ``transition`` (compare-and-set), ``add_approval``, ``claim_execution``,
                    ``replan``, ``expire_due``, ``find_executing``, ``set_card``
* ``models``        ``AuditEvent``, ``ChangeRequest``, ``Approval``, ``ApprovalResult``,
                    ``VerifyResult``; ``EVENTS`` (audit event types), ``ChangeState`` with ``TRANSITIONS``
* ``redact``        ``redact(value)``, applied to every stored field; ``redact_text``, ``mask_text``
* ``db``            ``Database`` (durability, locking, migrations), ``MIGRATIONS``
* ``timeutil``      ``iso``, ``parse_since("24h" | "7d" | ISO)``, ``parse_duration("4h")``
* ``errors``        the exception hierarchy (``AuditError`` and subclasses)
* ``messages``      the user-facing text of this package
"""
