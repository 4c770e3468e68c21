//! `keyfleet publish` and `keyfleet revoke`: the two commands that change
//! accounts. Both check everything they can before sending anything, send
//! one request per key and account, and report a result per account.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::{
    Context, EXIT_ACCOUNT_FAILED, EXIT_OK, EXIT_USAGE, for_each_account, labelled, list_all,
    provider_name, table,
};
use crate::keys::public::{self, ParsedPublicKey};
use crate::ops::publish::{PublishOutcome, publish_to};
use crate::ops::revoke;
use crate::providers::{ApiError, KeyScope, NewKey, NewKeyMaterial, ProviderKind, RemoteKey};
use crate::store::Profile;

/// What happened on one account (publish) or to one key (revoke).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    /// Publish: the key was created.
    Added,
    /// Publish: a key with the same fingerprint was there; nothing was sent.
    AlreadyThere,
    /// Revoke without `--yes`: would be deleted.
    Planned,
    /// Revoke: deleted.
    Deleted,
    /// The request failed, or a check before sending did.
    Failed,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::AlreadyThere => "already there",
            Self::Planned => "to delete",
            Self::Deleted => "deleted",
            Self::Failed => "failed",
        }
    }
}

/// One row of the result.
#[derive(Clone, Debug, Serialize)]
struct Row {
    account: String,
    provider: ProviderKind,
    result: Outcome,
    key_id: Option<String>,
    name: Option<String>,
    message: Option<String>,
}

impl Row {
    fn new(profile: &Profile, result: Outcome) -> Self {
        Self {
            account: profile.name.clone(),
            provider: profile.provider(),
            result,
            key_id: None,
            name: None,
            message: None,
        }
    }

    fn key(mut self, key: &RemoteKey) -> Self {
        self.key_id = Some(key.id.clone());
        self.name = Some(key.name.to_string());
        self
    }

    fn failed(profile: &Profile, error: &ApiError) -> Self {
        let mut row = Self::new(profile, Outcome::Failed);
        row.message = Some(error.message.clone());
        row
    }
}

fn print_rows(
    sha256: &str,
    rows: &[Row],
    unchecked: Option<&[Unchecked]>,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    if json {
        let mut document = serde_json::json!({ "sha256": sha256, "results": rows });
        if let Some(unchecked) = unchecked {
            document["unchecked"] = serde_json::json!(unchecked);
        }
        super::terminal::write_json(out, &document)?;
    } else if !rows.is_empty() {
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                vec![
                    row.account.clone(),
                    provider_name(row.provider).to_string(),
                    row.result.label().to_string(),
                    row.name.clone().unwrap_or_default(),
                    row.key_id.clone().unwrap_or_default(),
                ]
            })
            .collect();
        table(
            out,
            &["ACCOUNT", "PROVIDER", "RESULT", "NAME", "ID"],
            &cells,
        )?;
    }
    for row in rows.iter().filter(|row| row.result == Outcome::Failed) {
        if let Some(message) = &row.message {
            writeln!(err, "keyfleet: {}", labelled(&row.account, message))?;
        }
    }
    Ok(if rows.iter().any(|row| row.result == Outcome::Failed) {
        EXIT_ACCOUNT_FAILED
    } else {
        EXIT_OK
    })
}

/// The checks one account's provider makes before anything is sent: it
/// stores public keys, takes this key type and this name.
fn precheck(profile: &Profile, key: &ParsedPublicKey, name: &str) -> Result<(), ApiError> {
    let provider = profile.provider();
    provider.check_public_key(&key.openssh)?;
    provider.validate_key_name(name)
}

/// Adds the key in `pubfile` to every target account that does not have it.
pub(super) fn publish(
    pubfile: &Path,
    targets: &[Profile],
    name: Option<&str>,
    json: bool,
    context: &Context,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let key = match public::read_public_key_file(pubfile) {
        Ok(key) => key,
        Err(error) => {
            let file = pubfile.display().to_string();
            writeln!(err, "keyfleet: {}", labelled(&file, &error.to_string()))?;
            return Ok(EXIT_USAGE);
        }
    };
    let name = name.map_or_else(|| name_from_file(pubfile), str::to_string);
    // Accounts that fail a local check get no request at all.
    let mut rows: Vec<Option<Row>> = targets
        .iter()
        .map(|profile| {
            precheck(profile, &key, &name)
                .err()
                .map(|error| Row::failed(profile, &error))
        })
        .collect();
    let to_send: Vec<Profile> = targets
        .iter()
        .zip(&rows)
        .filter(|(_, row)| row.is_none())
        .map(|(profile, _)| profile.clone())
        .collect();
    let sha256 = key.fingerprint_sha256.clone();
    let new_key = NewKey {
        name: name.clone(),
        material: NewKeyMaterial::PublicKey(key.openssh.clone()),
        shared_in_project: true,
        scope: KeyScope::Account,
        expires_at: None,
    };
    let results = for_each_account(&to_send, context, |client, _| {
        let sha256 = &sha256;
        let new_key = &new_key;
        async move {
            let (outcome, key) = publish_to(&client, new_key, sha256).await?;
            Ok((
                match outcome {
                    PublishOutcome::Added => Outcome::Added,
                    PublishOutcome::AlreadyThere => Outcome::AlreadyThere,
                },
                key,
            ))
        }
    });
    let mut results = to_send.iter().zip(results);
    for (row, profile) in rows.iter_mut().zip(targets) {
        if row.is_some() {
            continue;
        }
        let Some((sent_to, result)) = results.next() else {
            break;
        };
        debug_assert_eq!(sent_to.id, profile.id);
        *row = Some(match result {
            Ok((outcome, remote)) => Row::new(profile, outcome).key(&remote),
            Err(error) => Row::failed(profile, &error),
        });
    }
    let rows: Vec<Row> = rows.into_iter().flatten().collect();
    print_rows(&sha256, &rows, None, json, out, err)
}

/// A key's default name: its file's name without `.pub`.
fn name_from_file(pubfile: &Path) -> String {
    let file = pubfile
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    file.strip_suffix(".pub").unwrap_or(&file).to_string()
}

/// A key `revoke` could not compare: its account shows no public key
/// material for it (HCP Terraform keeps only a write-only private key).
#[derive(Clone, Debug, Serialize)]
struct Unchecked {
    account: String,
    provider: ProviderKind,
    key_id: String,
    name: String,
}

/// Characters of the Base64 part of a `SHA256:` fingerprint: 32 bytes,
/// unpadded, as `ssh-keygen -l` prints them.
const SHA256_BASE64_CHARS: usize = 43;

/// The fingerprint `revoke` looks for: `arg` itself when it is `SHA256:`
/// and 43 Base64 characters, else the fingerprint of the public key file
/// at `arg`. A mistyped fingerprint must not answer "no account holds it".
fn revoke_fingerprint(arg: &str) -> Result<String, String> {
    use base64::Engine as _;
    let shown: String = arg.chars().take(80).collect();
    if let Some(base64) = arg.strip_prefix("SHA256:") {
        let decoded = base64::engine::general_purpose::STANDARD_NO_PAD.decode(base64);
        return match decoded {
            Ok(bytes) if bytes.len() == 32 && base64.len() == SHA256_BASE64_CHARS => {
                Ok(arg.to_string())
            }
            _ => Err(format!(
                "\"{shown}\" is not a SHA256 fingerprint: expected SHA256: and {SHA256_BASE64_CHARS} Base64 characters, as `ssh-keygen -lf KEY.pub` prints them (found {} characters after SHA256:)",
                base64.chars().count()
            )),
        };
    }
    let path = Path::new(arg);
    if path.is_file() || arg.ends_with(".pub") {
        return public::read_public_key_file(path)
            .map(|key| key.fingerprint_sha256)
            .map_err(|error| format!("{}: {error}", path.display()));
    }
    Err(format!(
        "\"{shown}\" is neither a SHA256 fingerprint (SHA256: and {SHA256_BASE64_CHARS} Base64 characters) nor a public key file"
    ))
}

/// The shape `revoke`'s argument must have before any account is read:
/// `SHA256:…` (checked whole by [`revoke`]) or a public key file.
pub(super) fn check_revoke_arg(arg: &str) -> Result<(), String> {
    if arg.starts_with("SHA256:") || arg.ends_with(".pub") || Path::new(arg).is_file() {
        return Ok(());
    }
    let shown: String = arg.chars().take(80).collect();
    Err(format!(
        "\"{shown}\" is neither a SHA256 fingerprint (SHA256: and {SHA256_BASE64_CHARS} Base64 characters, as ssh-keygen -l prints it) nor a public key file"
    ))
}

/// What `revoke` found on the accounts before deleting anything.
struct RevokePlan {
    /// Per account: the keys to delete (an account may hold it twice, e.g.
    /// a Gcore project key and a regional keypair).
    delete: Vec<(Profile, Vec<RemoteKey>)>,
    /// Accounts that could not be listed.
    failures: Vec<Row>,
    /// Keys with no public material to compare.
    unchecked: Vec<Unchecked>,
}

/// Lists every target and plans with [`crate::ops::revoke::plan_revoke`]
/// (the window's revoke dialog plans with it too).
fn plan_revoke(sha256: &str, targets: &[Profile], context: &Context) -> RevokePlan {
    let listed = list_all(targets, context);
    let accounts = listed
        .iter()
        .map(|(profile, result)| (profile, result.as_ref().map(Vec::as_slice)));
    let plan = revoke::plan_revoke(Some(sha256), &[], accounts);
    RevokePlan {
        delete: plan.per_account(),
        failures: plan
            .failures
            .iter()
            .map(|(profile, error)| Row::failed(profile, error))
            .collect(),
        unchecked: plan
            .unchecked
            .iter()
            .map(|(profile, key)| Unchecked {
                account: profile.name.clone(),
                provider: profile.provider(),
                key_id: key.id.clone(),
                name: key.name.to_string(),
            })
            .collect(),
    }
}

/// Says how many keys on which accounts could not be checked.
fn report_unchecked(unchecked: &[Unchecked], err: &mut dyn Write) -> std::io::Result<()> {
    if unchecked.is_empty() {
        return Ok(());
    }
    // Per account, in the order listed.
    let mut per_account: Vec<(&str, ProviderKind, usize)> = Vec::new();
    for key in unchecked {
        match per_account
            .iter_mut()
            .find(|(name, ..)| *name == key.account)
        {
            Some((_, _, count)) => *count += 1,
            None => per_account.push((&key.account, key.provider, 1)),
        }
    }
    let accounts: Vec<String> = per_account
        .iter()
        .map(|(name, provider, count)| format!("{count} on {name} ({})", provider.spec().label))
        .collect();
    writeln!(
        err,
        "keyfleet: {} key(s) could not be checked because their account shows no public key material: {}; check them with the provider",
        unchecked.len(),
        accounts.join(", ")
    )
}

/// Deletes every key with the fingerprint `target` names (a `SHA256:`
/// fingerprint or a public key file) from `targets`; without `yes`, only
/// lists them. Keys without public material are listed as unchecked.
pub(super) fn revoke(
    target: &str,
    targets: &[Profile],
    yes: bool,
    json: bool,
    context: &Context,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let sha256 = match revoke_fingerprint(target) {
        Ok(sha256) => sha256,
        Err(message) => {
            writeln!(err, "keyfleet: {message}")?;
            return Ok(EXIT_USAGE);
        }
    };
    let sha256 = sha256.as_str();
    let plan = plan_revoke(sha256, targets, context);
    report_unchecked(&plan.unchecked, err)?;
    if !yes {
        let mut rows: Vec<Row> = plan
            .delete
            .iter()
            .flat_map(|(profile, keys)| {
                keys.iter()
                    .map(|key| Row::new(profile, Outcome::Planned).key(key))
            })
            .collect();
        let count = rows.len();
        rows.extend(plan.failures);
        let code = print_rows(sha256, &rows, Some(&plan.unchecked), json, out, err)?;
        if count == 0 {
            writeln!(err, "keyfleet: no account holds a key with {sha256}")?;
            return Ok(code);
        }
        writeln!(
            err,
            "keyfleet: nothing was deleted; run again with --yes to delete these {count} key(s)"
        )?;
        return Ok(EXIT_USAGE);
    }
    let mut rows = delete_planned(&plan.delete, context);
    if rows.is_empty() {
        writeln!(err, "keyfleet: no account holds a key with {sha256}")?;
    }
    rows.extend(plan.failures);
    print_rows(sha256, &rows, Some(&plan.unchecked), json, out, err)
}

/// Sends the deletes, one task per account; a row per key.
fn delete_planned(plan: &[(Profile, Vec<RemoteKey>)], context: &Context) -> Vec<Row> {
    let accounts: Vec<Profile> = plan.iter().map(|(profile, _)| profile.clone()).collect();
    let results = for_each_account(&accounts, context, |client, index| async move {
        let mut outcomes = Vec::new();
        for key in &plan[index].1 {
            outcomes.push(client.delete_key(key).await);
        }
        Ok(outcomes)
    });
    let mut rows = Vec::new();
    for ((profile, keys), result) in plan.iter().zip(results) {
        match result {
            Ok(outcomes) => {
                for (key, outcome) in keys.iter().zip(outcomes) {
                    rows.push(match outcome {
                        Ok(()) => Row::new(profile, Outcome::Deleted).key(key),
                        Err(error) => Row::failed(profile, &error).key(key),
                    });
                }
            }
            // No client (token gone since listing): every key stays.
            Err(error) => {
                rows.extend(keys.iter().map(|key| Row::failed(profile, &error).key(key)));
            }
        }
    }
    rows
}
