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
use crate::backend::fleet::{PublishOutcome, publish_to};
use crate::keys::public::{self, ParsedPublicKey};
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
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    if json {
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({ "sha256": sha256, "results": rows }),
        )?;
        writeln!(out)?;
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
    let name = match name {
        Some(name) => name.to_string(),
        None => {
            let file = pubfile
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            file.strip_suffix(".pub").unwrap_or(&file).to_string()
        }
    };
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
    print_rows(&sha256, &rows, json, out, err)
}

/// Deletes every key with fingerprint `sha256` from `targets`; without
/// `yes`, only lists them.
pub(super) fn revoke(
    sha256: &str,
    targets: &[Profile],
    yes: bool,
    json: bool,
    context: &Context,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let listed = list_all(targets, context);
    let mut failures: Vec<Row> = Vec::new();
    // Per account: the keys to delete (an account may hold it twice, e.g.
    // a Gcore project key and a regional keypair).
    let mut plan: Vec<(Profile, Vec<RemoteKey>)> = Vec::new();
    for (profile, result) in listed {
        match result {
            Ok(keys) => {
                let matching: Vec<RemoteKey> = keys
                    .into_iter()
                    .filter(|k| k.fingerprint_sha256.as_deref() == Some(sha256))
                    .collect();
                if !matching.is_empty() {
                    plan.push((profile, matching));
                }
            }
            Err(error) => failures.push(Row::failed(&profile, &error)),
        }
    }
    if !yes {
        let mut rows: Vec<Row> = plan
            .iter()
            .flat_map(|(profile, keys)| {
                keys.iter()
                    .map(|key| Row::new(profile, Outcome::Planned).key(key))
            })
            .collect();
        let count = rows.len();
        rows.extend(failures);
        let code = print_rows(sha256, &rows, json, out, err)?;
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
    let accounts: Vec<Profile> = plan.iter().map(|(profile, _)| profile.clone()).collect();
    let plan = &plan;
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
    if rows.is_empty() {
        writeln!(err, "keyfleet: no account holds a key with {sha256}")?;
    }
    rows.extend(failures);
    print_rows(sha256, &rows, json, out, err)
}
