"""vaultui-cli share, --identity, keygen --age and the pin, as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from clihelpers import FAST_INIT, PASSPHRASE, Run, VaultTarget

from tests.tasks.sharinghelpers import rsa_pem, ssh_key
from vaultui.crypto.constants import VAULT_CONFIG_FILENAME
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.keyslot import SLOT_DIR_NAME
from vaultui.crypto.vaultconfig import UnverifiedVaultConfig, VaultConfig
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.identities import AgeIdentity
from vaultui.secrets.recipients import Recipient
from vaultui.tasks.sharing import share_with


def as_teammate(cli: Run, home: Path, *args: str) -> Any:
    """Run with no passphrase, no keyring, and a home folder of the teammate's own."""
    return cli(*args, "--no-keyring", passphrase=None, env={"HOME": str(home)})


def test_share_with_three_recipients_and_unlock_with_each(vault: VaultTarget, cli: Run,
                                                          tmp_path: Path) -> None:
    alice, secret = AgeIdentity.generate()
    (tmp_path / "alice.key").write_text(secret + "\n")
    bob = ssh_key(tmp_path / "bob", "id_ed25519")
    carol = rsa_pem(tmp_path / "carol", "carol.pem")
    assert cli(*vault.args("put", str(_file(tmp_path, "plan.txt", b"the plan")), "/")).code == 0
    for option, value in (("--age", alice.recipient),
                          ("--ssh-key", str(bob.path) + ".pub"),
                          ("--rsa-pem", str(carol.path.with_name("carol.pem.pub.pem")))):
        r = cli(*vault.args("share", "add", option, value))
        assert r.code == 0, r
        assert "added the key slot" in r.err
    listed = cli(*vault.args("share", "list", "--json"))
    slots = json.loads(listed.out)
    assert sorted(s["kind"] for s in slots) == ["age", "age-ssh-ed25519", "rsa-oaep-sha256"]
    assert {"someone@host", "carol.pem.pub"} <= {s["label"] for s in slots}

    home = tmp_path / "home"
    home.mkdir()
    for identity, label in ((tmp_path / "alice.key", "age1"), (bob.path, "someone@host"),
                            (carol.path, "carol")):
        r = as_teammate(cli, home, *vault.args("cat", "plan.txt", "--identity", str(identity)))
        assert r.code == 0, r
        assert r.out == "the plan"
        assert "unlocked with key slot" in r.err and label in r.err

    # Someone else's key opens nothing: exit 3, and nothing was asked.
    mallory = ssh_key(tmp_path / "mallory", "id_ed25519")
    r = as_teammate(cli, home, *vault.args("cat", "plan.txt", "--identity", str(mallory.path)))
    assert r.code == 3, r
    assert "no key slot" in r.err

    # ~/.ssh/id_ed25519 is found without --identity.
    shutil.copytree(bob.path.parent, home / ".ssh")
    r = as_teammate(cli, home, *vault.args("cat", "plan.txt"))
    assert r.code == 0 and r.out == "the plan", r

    r = cli(*vault.args("share", "remove", "someone@host"))
    assert r.code == 0 and "does not revoke" in r.err and "rotate-key" in r.err
    r = as_teammate(cli, home, *vault.args("cat", "plan.txt"))
    assert r.code == 2 and "no passphrase" in r.err, r


def test_share_errors(vault: VaultTarget, cli: Run, tmp_path: Path) -> None:
    r = cli(*vault.args("share", "add", "--age", "age1nope"))
    assert r.code == 2 and "age" in r.err
    r = cli(*vault.args("share", "add"))
    assert r.code == 2 and "exactly one" in r.err
    r = cli(*vault.args("share", "remove", "nobody"))
    assert r.code == 4
    alice, _ = AgeIdentity.generate()
    assert cli(*vault.args("share", "add", "--age", alice.recipient, "--label", "a")).code == 0
    r = cli(*vault.args("share", "add", "--age", alice.recipient, "--label", "b"))
    assert r.code == 7, r
    r = cli(*vault.args("share", "list"))
    assert r.code == 0 and r.out.startswith("a\tage\t")


def test_substituted_vault_is_refused_after_the_pin(local_target: VaultTarget, cli: Run,
                                                    tmp_path: Path) -> None:
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    bob = ssh_key(tmp_path / "bob", "id_ed25519")
    assert cli(*local_target.args("share", "add", "--ssh-key", f"{bob.path}.pub")).code == 0
    home = tmp_path / "home"
    home.mkdir()
    pins = {"VAULTUI_KNOWN_VAULTS": str(tmp_path / "pins")}
    r = cli(*local_target.args("ls", "--identity", str(bob.path), "--no-keyring"),
            passphrase=None, env={"HOME": str(home), **pins})
    assert r.code == 0, r

    # Someone with write access swaps in their own vault, same id, wrapped to Bob's key.
    root = Path(local_target.url)
    location = VaultLocation.from_url(str(root))
    config = UnverifiedVaultConfig.parse((root / VAULT_CONFIG_FILENAME).read_bytes())
    real = VaultConfig(jti=config.payload["jti"], cipher_combo=location.unlock(PASSPHRASE)[1]
                       .cipher_combo)
    attacker = Masterkey.generate()
    (root / VAULT_CONFIG_FILENAME).write_bytes(real.to_token(attacker))
    shutil.rmtree(root / SLOT_DIR_NAME)
    share_with(location, attacker, Recipient.parse(bob.public), "bob")
    r = cli(*local_target.args("ls", "--identity", str(bob.path), "--no-keyring"),
            passphrase=None, env={"HOME": str(home), **pins})
    assert r.code == 3, r
    assert "different key" in r.err and "replaced" in r.err


def test_keygen_age_stores_the_identity_in_the_keyring(secret_service: Any, vault: VaultTarget,
                                                       cli: Run, tmp_path: Path) -> None:
    from vaultui.secrets.identities import AGE_IDENTITY_ITEM
    from vaultui.secrets.keyring_store import KeyringStore
    store = KeyringStore()
    saved = store.get(AGE_IDENTITY_ITEM)
    store.delete(AGE_IDENTITY_ITEM)
    try:
        r = cli("keygen", "--age")
        assert r.code == 0, r
        public = r.out.strip()
        assert public.startswith("age1")
        assert cli("keygen", "--age").code == 7
        assert cli(*vault.args("share", "add", "--age", public)).code == 0
        r = cli(*vault.args("ls"), passphrase=None, env={"HOME": str(tmp_path)})
        assert r.code == 0 and "age identity in the keyring" in r.err, r
    finally:
        store.delete(AGE_IDENTITY_ITEM)
        if saved is not None:
            store.set(AGE_IDENTITY_ITEM, saved)


def _file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_stop_sharing_remove_then_rotate(vault: VaultTarget, cli: Run, tmp_path: Path) -> None:
    bob = ssh_key(tmp_path / "bob", "id_ed25519")
    carol = ssh_key(tmp_path / "carol", "id_ed25519")
    assert cli(*vault.args("put", str(_file(tmp_path, "plan.txt", b"the plan")), "/")).code == 0
    for who in (bob, carol):
        assert cli(*vault.args("share", "add", "--ssh-key", f"{who.path}.pub",
                               "--label", who.path.parent.name)).code == 0
    home = tmp_path / "home"
    home.mkdir()
    pins = {"VAULTUI_KNOWN_VAULTS": str(tmp_path / "carol-pins")}
    r = cli(*vault.args("cat", "plan.txt", "--identity", str(carol.path), "--no-keyring"),
            passphrase=None, env={"HOME": str(home), **pins})
    assert r.code == 0, r
    assert cli(*vault.args("share", "remove", "bob")).code == 0
    r = cli(*vault.args("rotate-key"))
    assert r.code == 0, r
    assert "1 key slots rewrapped" in r.err and "share VAULT trust" in r.err
    assert cli(*vault.args("cat", "plan.txt")).out == "the plan"
    # Carol still opens it once she accepts the new key; Bob's old slot is gone.
    r = cli(*vault.args("cat", "plan.txt", "--identity", str(carol.path), "--no-keyring"),
            passphrase=None, env={"HOME": str(home), **pins})
    assert r.code == 3 and "different key" in r.err, r
    assert cli(*vault.args("share", "trust"), env=pins).code == 0
    r = cli(*vault.args("cat", "plan.txt", "--identity", str(carol.path), "--no-keyring"),
            passphrase=None, env={"HOME": str(home), **pins})
    assert r.code == 0 and r.out == "the plan", r
    r = cli(*vault.args("cat", "plan.txt", "--identity", str(bob.path), "--no-keyring"),
            passphrase=None, env={"HOME": str(home)})
    assert r.code == 3, r


def test_import_from_the_s3_encryption_client(s3_server: str, kms_key: Any, cli: Run,
                                              local_target: VaultTarget) -> None:
    import boto3
    from clihelpers import s3_options

    from tests.tasks.s3ecwriter import put_encrypted

    kms, key_id = kms_key
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = "s3ec-cli-" + key_id[:8]
    s3.create_bucket(Bucket=bucket)
    put_encrypted(s3, kms, bucket, "old/report.csv", b"a,b\n1,2\n", key_id)
    put_encrypted(s3, kms, bucket, "old/deep/notes.txt", b"notes", key_id, instruction_file=True)
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    aws = {"AWS_ENDPOINT_URL_KMS": s3_server, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    source_opts = [o.replace("-o", "--source-option") for o in s3_options(s3_server)]
    r = cli(*local_target.args("import", f"s3://{bucket}/old", "moved",
                               "--s3-encryption-client", *source_opts), env=aws)
    assert r.code == 0, r
    assert "imported 2 objects" in r.err
    assert cli(*local_target.args("cat", "moved/deep/notes.txt")).out == "notes"
    assert cli(*local_target.args("cat", "moved/report.csv")).out == "a,b\n1,2\n"
