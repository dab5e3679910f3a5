"""The Slack front end (the only package that imports ``slack_bolt``).

``build_slack_app(settings, pipeline)`` wires a Bolt app to the pipeline: ``/fleet``, mentions and
direct messages go through it; change requests become cards with Approve / Reject buttons that update
in place; App Home lists what waits for the viewer. ``make_http_server`` serves it over HTTP
(``POST /slack/events``), ``socket_mode_handler`` connects it in Socket Mode. See ``fleetops serve``.
"""
from bot.slack.factory import SlackService, SlackSetupError, build_slack_app, make_client
from bot.slack.server import EVENTS_PATH, SlackHTTPServer, make_http_server, socket_mode_handler

__all__ = ["EVENTS_PATH", "SlackHTTPServer", "SlackService", "SlackSetupError", "build_slack_app", "make_client",
           "make_http_server", "socket_mode_handler"]
