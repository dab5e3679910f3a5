"""All user-facing text lives in this package, one module per area.

Modules: ``fleet`` (adapter errors), ``tools`` (argument errors, renderings), and the bot's areas
(``interpreter``, ``pipeline``, ``slack``, ``cli``). Code elsewhere formats these templates; it does
not write prose of its own.
"""
