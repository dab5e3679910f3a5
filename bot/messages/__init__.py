"""The bot's own user-facing text, one module per area (chat, cli, pipeline, policy, storetools).

The interpreter (``bot.interpreter.messages``) and the Slack adapter (``bot.slack.messages``) keep
theirs beside their code; ``audit.messages`` and ``tools.messages`` hold those packages' text.
"""
