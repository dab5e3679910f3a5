"""The app factory: settings + a running ``Pipeline`` → a Bolt ``App`` wired to fleetops.

    with running_pipeline(settings) as pipe:
        service = build_slack_app(settings, pipe)
        server = make_http_server(service.app, port=settings.port, traffic=service.traffic)
        # or socket_mode_handler(service.app, app_token)
        ...
        service.close()

The WebClient talks to ``settings.slack_api_url`` (``FLEETOPS_SLACK_API_URL``) and retries 429s after
their ``Retry-After``. ``build_slack_app`` makes the pipeline report to Slack cards
(``pipeline.notifier``). ``App()`` calls ``auth.test`` once to check the token.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from audit.db import Database
from audit.errors import StoreOpenError
from audit.jobs import JobStore
from bot.changes import Workspace
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.slack.bot import SlackBot
from bot.slack.directory import Directory
from bot.slack.listeners import register
from bot.slack.notifier import SlackNotifier
from bot.slack.server import Traffic
from bot.slack.worker import JobRunner, Worker

log = logging.getLogger(__name__)


EXECUTION_KINDS = ("approve",)  # jobs that run a change's execution (changes.approve executes at once)
ACCEPT_WAIT = 2.0  # seconds an ack waits for its job's commit before saying "busy, try again"
MAX_QUEUED = 5000  # runnable jobs per lane before acks say "busy" (a flood of 1,000 clicks still queues)


class SlackSetupError(RuntimeError):
    """Slack could not be reached or refused the bot token (``auth.test``)."""


def api_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def make_client(settings: Settings) -> WebClient:
    """The bot's WebClient: bot token, configured API base URL, 429 retries."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = WebClient(token=token, base_url=api_base_url(settings.slack_api_url), timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


@dataclass
class SlackService:
    """The Bolt app plus what it owns: the background worker, the card notifier, the expiry sweep."""

    app: App
    bot: SlackBot
    notifier: SlackNotifier
    worker: Worker
    client: WebClient
    traffic: Traffic
    runner: JobRunner | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    accept_db: Database | None = None  # the acks' job commits' own connection (closed last)

    def start_sweeper(self, every: float = 60.0) -> threading.Thread:
        """Expire overdue requests every ``every`` seconds (their cards update)."""
        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    self.bot.pipeline.changes.expire()
                except Exception:
                    log.exception("expiring change requests failed")

        t = threading.Thread(target=loop, name="fleetops-expiry", daemon=True)
        t.start()
        return t

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until persisted jobs and queued work are done and pending card edits are sent (tests,
        shutdown)."""
        ok = self.runner.wait_idle(timeout) if self.runner is not None else True
        ok = self.worker.wait_idle(timeout) and ok
        return self.notifier.updater.flush(timeout) and ok

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self.runner is not None:
            self.runner.stop(timeout)  # jobs not started stay queued for the next start
        self.worker.wait_idle(timeout)
        self.notifier.close(timeout)
        self.worker.shutdown(wait=False)
        if self.accept_db is not None:
            self.accept_db.close()


def build_slack_app(settings: Settings, pipeline: Pipeline, *, client: WebClient | None = None,
                    workers: int = 8, max_pending: int = 256, update_interval: float = 1.0,
                    usergroup_ttl: float = 300.0, execution_threads: int | None = None,
                    max_queued: int = MAX_QUEUED) -> SlackService:
    """A Bolt app for ``pipeline`` configured from ``settings`` (tokens, signing secret, API URL).

    Persisted jobs run in two lanes: Approve clicks (each executes its change, waiting on KAITO readiness) on
    ``execution_threads`` threads of their own (default half of ``workers``, at least 2; 0: no lane of their
    own, every job on the ``workers`` threads in the order accepted), everything else
    (commands, mentions, reject submissions) on ``workers`` threads, so running executions never hold up an
    answer. Each lane holds at most ``max_queued`` runnable jobs; past that the ack says "busy, try again"."""
    client = client or make_client(settings)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    try:
        # Listeners only persist a job and ack (the work runs on the JobRunner), so they run on the HTTP
        # thread itself (process_before_response): no hop through a small listener pool that the HTTP threads
        # poll for the ack (under a flood of clicks that hop, not the work, made acks miss Slack's 3 s).
        app = App(client=client, signing_secret=secret, name="fleetops", process_before_response=True,
                  listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="fleetops-bolt"))
    except (BoltError, SlackApiError, SlackClientError, OSError) as e:
        raise SlackSetupError(str(e)) from e
    notifier = SlackNotifier(pipeline.changes, client, interval=update_interval)
    pipeline.notifier = notifier
    pipeline.changes.workspace = install_workspace(client)
    traffic = Traffic()
    worker = Worker(max_workers=workers, max_pending=max_pending, before_task=traffic.wait_quiet)
    threads = max(2, workers // 2) if execution_threads is None else execution_threads
    lanes = {"executions": (EXECUTION_KINDS, threads)} if threads > 0 else {}  # 0: one lane, jobs in order
    accept_db = accept_database(pipeline)
    runner = JobRunner(pipeline.store.jobs, {}, threads=workers, before_task=traffic.wait_quiet, lanes=lanes,
                       max_queued=max_queued, accept_wait=ACCEPT_WAIT,
                       accept_jobs=JobStore(accept_db) if accept_db is not None else None)
    bot = SlackBot(pipeline, client, notifier, Directory(client, ttl=usergroup_ttl), worker, runner)
    runner.on_error = bot.job_failed
    register(app, bot)
    runner.start()  # also runs what an earlier process persisted and did not get to
    return SlackService(app=app, bot=bot, notifier=notifier, worker=worker, client=client, traffic=traffic,
                        runner=runner, accept_db=accept_db)


def accept_database(pipeline: Pipeline) -> Database | None:
    """A second connection to the pipeline's database file for the acks' job commits (None for a database
    that is not a file, or one that cannot be opened: the shared connection is used then)."""
    path = getattr(pipeline.store.database, "path", None)
    if path is None or str(path) == ":memory:":
        return None
    try:
        # a listener thread commits the acks' jobs itself (JobRunner.accept): waiting for another process's write
        # lock is bounded by the ack's own wait (ACCEPT_WAIT s, then "busy, try again"), not the 30 s busy timeout
        return Database(path, synchronous=pipeline.store.database.synchronous, migrate=False,
                        busy_timeout=ACCEPT_WAIT, checkpoints=False)
    except StoreOpenError as e:
        log.warning("the acks' job commits share the database connection (%s)", e)
        return None


def install_workspace(client: WebClient) -> Workspace | None:
    """The workspace the bot token belongs to (``auth.test``): clicks from any other are refused."""
    try:
        auth = client.auth_test()
    except (SlackApiError, SlackClientError, OSError) as e:
        log.warning("auth.test failed (%s): clicks cannot be checked against the install's workspace", e)
        return None
    return Workspace(team_id=auth.get("team_id"), enterprise_id=auth.get("enterprise_id") or None,
                     enterprise_install=bool(auth.get("is_enterprise_install")))
