"""Commands that share a vault: share (list, add, remove, trust), rotate-key, keygen --age."""

from __future__ import annotations

import argparse

from vaultui.cli.clierror import CliError, UsageError
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.parser import add_command, add_jobs_argument, add_vault_argument

# Not imported from typing, which is a tenth of `vaultui-cli --help`; mypy reads it alike.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from vaultui.cli.context import Context

# The commands import the crypto, the storage and the jobs when they run (see main.py).

#: Said whenever a slot goes: the user must not believe removing one revokes access.
NOT_REVOKED = ("removing a slot does not revoke the key: they may have kept it. Run "
               "`vaultui-cli rotate-key VAULT` to stop sharing for real")
MAX_PUBLIC_KEY_FILE = 64 * 1024


def _read_public(path: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_PUBLIC_KEY_FILE + 1)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", ExitCode.NOT_FOUND
                       ) from None
    if len(data) > MAX_PUBLIC_KEY_FILE:
        raise UsageError(f"{path} is too large to be a public key")
    return data.decode("utf-8", "replace")


def _default_label(args: argparse.Namespace, text: str) -> str:
    from pathlib import Path

    if args.ssh_key:
        parts = text.split()
        return parts[2] if len(parts) > 2 else Path(args.ssh_key).name
    if args.rsa_pem:
        return Path(args.rsa_pem).stem
    return text.strip()[:16] + "…"


def cmd_share(ctx: Context) -> int:
    import json

    from vaultui.secrets.pins import PinStore
    from vaultui.secrets.recipients import Recipient
    from vaultui.tasks.sharing import share_with, share_with_kms, shares, unshare

    action = ctx.args.action
    location = ctx.location()
    location.read_config()
    if action == "list":
        listed = shares(location)
        if ctx.args.json:
            ctx.out(json.dumps([{"file": s.name, "label": s.slot.label, "kind": s.slot.kind,
                                 "fingerprint": s.slot.fingerprint, "created": s.slot.created}
                                if s.slot else {"file": s.name, "problem": s.problem}
                                for s in listed], indent=2))
            return ExitCode.OK
        if not listed:
            ctx.note("no key slots: only the passphrase and the recovery key open this vault")
        for s in listed:
            if s.slot is None:
                ctx.out(f"{s.name}\tdamaged: {s.problem}")
            else:
                ctx.out(f"{s.slot.label}\t{s.slot.kind}\t{s.slot.fingerprint}\t{s.slot.created}")
        return ExitCode.OK
    if action == "remove":
        if not ctx.args.slot:
            raise UsageError("share remove needs the LABEL of the slot")
        try:
            gone = unshare(location, ctx.args.slot)
        except KeyError:
            raise CliError(f"no key slot labelled {ctx.args.slot!r}", ExitCode.NOT_FOUND
                           ) from None
        ctx.note(f"removed the key slot {gone.slot.label if gone.slot else gone.name!r}; "
                 + NOT_REVOKED)
        return ExitCode.OK
    if action == "trust":
        store = PinStore()
        vid = location.vault_id()
        store.forget(vid)
        ctx.note(f"forgot the pinned key of {vid}: the next unlock pins the key it finds")
        return ExitCode.OK
    # add
    given = [a for a in ("age", "ssh_key", "rsa_pem", "kms") if getattr(ctx.args, a)]
    if len(given) != 1:
        raise UsageError("share add takes exactly one of --age, --ssh-key, --rsa-pem, --kms")
    key = ctx.unlock_key(location).key
    if ctx.args.kms:
        added = share_with_kms(location, key, ctx.args.kms, ctx.args.label)
    else:
        text = (ctx.args.age if ctx.args.age else
                _read_public(ctx.args.ssh_key or ctx.args.rsa_pem))
        recipient = Recipient.parse(text)
        added = share_with(location, key, recipient,
                           ctx.args.label or _default_label(ctx.args, text))
    assert added.slot is not None
    ctx.note(f"added the key slot {added.slot.label!r} ({added.slot.kind}, "
             f"{added.slot.fingerprint}): they can now open the vault")
    return ExitCode.OK


def cmd_rotate_key(ctx: Context) -> int:
    from vaultui.cli.progressbar import ProgressBar, human_size
    from vaultui.secrets.pins import PinStore
    from vaultui.tasks.rotation import RotateKey
    from vaultui.tasks.sharing import check_pin

    location = ctx.location()
    # The new key is wrapped under the passphrase as well as for every slot: ask for it.
    _, passphrase, _ = ctx.unlock_with(location, lambda p: location.unlock(p))
    bar = ProgressBar(ctx.stderr)
    job = RotateKey(location, passphrase, progress=bar, workers=ctx.args.jobs)
    try:
        result = job.run()
    finally:
        bar.close()
    key, _ = location.unlock(passphrase)
    check_pin(location, key, PinStore(), proven=True)
    ctx.note(("resumed and finished" if result.resumed else "rotated")
             + f" the vault key: {result.files} files ({human_size(result.bytes)}) "
             f"re-encrypted, {len(result.slots)} key slots rewrapped, "
             f"{result.removed_folders} old folders removed")
    if result.slots:
        ctx.note("teammates who open it with a key slot see a changed key: they confirm "
                 "with you, then run `vaultui-cli share VAULT trust`")
    return ExitCode.OK


def cmd_keygen(ctx: Context) -> int:
    from vaultui.secrets.identities import AGE_IDENTITY_ITEM, AgeIdentity

    if not ctx.args.age:
        raise UsageError("keygen makes age identities: give --age")
    store = ctx.keystore()
    if store.get(AGE_IDENTITY_ITEM) is not None and not ctx.args.replace:
        existing = AgeIdentity.from_store(store)
        assert existing is not None
        raise CliError(f"an age identity is already in {store.description} "
                       f"({existing.recipient}); --replace makes a new one and loses "
                       "access to vaults shared with the old one", ExitCode.EXISTS)
    identity, secret = AgeIdentity.generate()
    store.set(AGE_IDENTITY_ITEM, secret)
    ctx.note(f"a new age identity is in {store.description}; hand out its public key:")
    ctx.out(identity.recipient)
    return ExitCode.OK


def register(sub: Any, storage: argparse.ArgumentParser, unlock: argparse.ArgumentParser
             ) -> None:
    p = add_command(
        sub, "share", cmd_share, "share a vault with public keys or a cloud KMS",
        "Key slots wrap the vault's key for a teammate's age, SSH (ed25519, RSA) or RSA PEM "
        "public key, or for an AWS KMS key; they then open the vault with their own key "
        "(--identity, the keyring, ~/.ssh) and no passphrase. `list` shows the slots, "
        "`add` makes one (unlocks the vault first), `remove LABEL` deletes one (this does "
        "not revoke: use rotate-key), `trust` forgets the pinned key after a rotation.",
        ["vaultui-cli share ~/vault list",
         "vaultui-cli share ~/vault add --age age1qyq… --label alice",
         "vaultui-cli share ~/vault add --ssh-key ~/bob.pub",
         "vaultui-cli share ~/vault add --rsa-pem carol.pem",
         "vaultui-cli share s3://b/vault add --kms alias/team-vaults",
         "vaultui-cli share ~/vault remove alice"],
        [storage, unlock])
    add_vault_argument(p)
    p.add_argument("action", choices=["list", "add", "remove", "trust"])
    p.add_argument("slot", nargs="?", metavar="LABEL", help="for remove: the slot's label")
    p.add_argument("--age", metavar="AGE1…", help="an age recipient (age1…)")
    p.add_argument("--ssh-key", metavar="FILE", help="an OpenSSH public key file (.pub)")
    p.add_argument("--rsa-pem", metavar="FILE", help="an RSA public key in PEM (2048+ bits)")
    p.add_argument("--kms", metavar="KEY_ID", help="an AWS KMS key id, ARN or alias; "
                   "credentials and region come from the AWS environment")
    p.add_argument("--label", help="a name for the slot (default: from the key)")
    p.add_argument("--json", action="store_true", help="for list: JSON on stdout")

    p = add_command(
        sub, "rotate-key", cmd_rotate_key, "re-encrypt a vault under a new key",
        "Make a new vault key, re-encrypt every file and name into it, verify, then switch "
        "and rewrap it for the passphrase and every remaining key slot; the old key then "
        "opens nothing. This is how to stop sharing: removing a slot alone does not revoke "
        "a key someone kept. Resumable: if it is interrupted, run it again. Nobody else "
        "should write to the vault meanwhile.",
        ["vaultui-cli share ~/vault remove bob && vaultui-cli rotate-key ~/vault"],
        [storage, unlock])
    add_vault_argument(p)
    add_jobs_argument(p)

    p = add_command(
        sub, "keygen", cmd_keygen, "make an age identity and keep it in the OS keyring",
        "Generate an age X25519 identity, store its secret in the OS keyring (never on disk) "
        "and print its public key (age1…) for vault owners to `share … add --age`.",
        ["vaultui-cli keygen --age"], [])
    p.add_argument("--age", action="store_true", help="make an age identity")
    p.add_argument("--replace", action="store_true",
                   help="replace an age identity already in the keyring")
