"""fleetops application: settings, pipeline, interpreter, policy, Slack adapter, CLI."""
