"""``fleetops manifests [--socket] [--namespace N] [--image I] [--policy FILE]``: print the hub install."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import k8s_manifests as km
from bot.cli.output import version
from bot.messages import cli as msg
from tools.fleet.conventions import is_dns1123_label


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("manifests", help=msg.MANIFESTS_HELP, description=msg.MANIFESTS_DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--socket", action="store_true", help="Socket Mode: no Service, SLACK_APP_TOKEN instead of "
                   "the signing secret")
    p.add_argument("--namespace", default=km.DEFAULT_NAMESPACE, metavar="N",
                   help=f"namespace fleetops runs in (default {km.DEFAULT_NAMESPACE})")
    p.add_argument("--image", default=None, metavar="IMAGE", help="container image (default fleetops:VERSION)")
    p.add_argument("--policy", type=Path, default=None, metavar="FILE",
                   help="approval policy for the ConfigMap (default: FLEETOPS_POLICY or the shipped default)")
    p.add_argument("--storage", default="1Gi", help="size of the database volume (default 1Gi)")
    p.add_argument("--storage-class", default=None, help="StorageClass of the volume (default: the cluster's)")
    p.set_defaults(func=run)


def _policy_file(ns: argparse.Namespace) -> Path:
    if ns.policy is not None:
        return Path(ns.policy)
    from bot.settings import get_settings

    configured = get_settings().policy_path
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "policy_default.yaml"


def _impersonation(policy_text: str, path: Path, namespace: str) -> list[dict]:
    """The impersonate RBAC when the policy turns impersonation on (nothing for an invalid policy: ``policy check``
    says what is wrong with it)."""
    from bot.policy import PolicyError, loads_policy

    try:
        imp = loads_policy(policy_text, str(path)).impersonation
    except PolicyError:
        return []
    if not imp.enabled:
        return []
    users = [k.user for k in imp.users.values()]
    groups = [g for k in imp.users.values() for g in k.groups]
    return km.impersonation_rbac(namespace, users, groups)


def run(ns: argparse.Namespace) -> int:
    if not is_dns1123_label(ns.namespace):
        print(msg.MANIFESTS_BAD_NAMESPACE.format(namespace=ns.namespace), file=sys.stderr)
        return 2
    path = _policy_file(ns)
    try:
        policy_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print(msg.MANIFESTS_BAD_POLICY.format(path=path, error=e), file=sys.stderr)
        return 2
    image = ns.image or f"fleetops:{version()}"
    objs = km.hub_manifests(namespace=ns.namespace, socket=ns.socket, image=image, policy_text=policy_text,
                            storage=ns.storage, storage_class=ns.storage_class)
    objs += _impersonation(policy_text, path, ns.namespace)
    mode = "--from-literal=slack-app-token=xapp-..." if ns.socket else "--from-literal=slack-signing-secret=..."
    header = msg.MANIFESTS_HEADER.format(version=version(), namespace=ns.namespace, secret=km.SECRET,
                                         mode_secret=mode, image=image)
    sys.stdout.write(km.to_yaml(objs, header))
    return 0
