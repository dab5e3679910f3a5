"""The tools package's user-facing text, one module per area: ``args`` (argument errors), ``tools``
(read-only renderings), ``plans`` (plans and execution), ``fleet`` (adapter errors), ``embedded`` and
``embedded_api`` (the embedded fleet). Other packages own their text (``bot.messages``,
``bot.interpreter.messages``, ``bot.slack.messages``, ``audit.messages``).
"""
