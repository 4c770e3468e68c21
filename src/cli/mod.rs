//! The command line: `keyfleet accounts`, `keys`, `inventory`, `publish`,
//! `revoke`, `rotate` and `completions`, on the same provider clients and
//! token lookup as the window, with no display needed. The grammar (help,
//! usage errors, completions) is declared once in `args.rs`; this module
//! runs the parsed [`Command`].
//!
//! Exit codes: [`EXIT_OK`], [`EXIT_ACCOUNT_FAILED`] when any account could
//! not be listed (the others are still printed), [`EXIT_USAGE`] for bad
//! usage. Output never holds a token: profiles hold none, no argument takes
//! one, and provider error messages are redacted where they are made.

mod agent;
mod args;
mod change;
mod rotate;
mod terminal;

pub use agent::AgentArgs;
pub use rotate::{NewKeySource, RotateArgs};

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::backend::account_client;
use crate::backend::fleet::{AccountKeys, FleetSnapshot, ThisComputer, build_snapshot_with};
use crate::inventory::ssh_config::SshConfigSource;
use crate::inventory::{AccountError, InventoryOptions, KeyGroup};
use crate::providers::{ApiError, Http, HttpPolicy, ProviderClient, ProviderKind, RemoteKey};
use crate::store::{Profile, ProfileStore, SecretStore, TokenSource};

/// Everything went well.
pub const EXIT_OK: u8 = 0;
/// At least one account failed; the rest was printed.
pub const EXIT_ACCOUNT_FAILED: u8 = 1;
/// The command line was wrong.
pub const EXIT_USAGE: u8 = 2;

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// Print this text to standard output and exit with [`EXIT_OK`]: the
    /// help, the version or a completion script.
    Print(String),
    /// Open the window.
    Window {
        /// Against the sandbox.
        demo: bool,
    },
    /// Run a subcommand.
    Run {
        /// Against the sandbox.
        demo: bool,
        /// Which one.
        command: Command,
    },
}

/// A subcommand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `keyfleet accounts`.
    Accounts {
        /// `--json`.
        json: bool,
    },
    /// `keyfleet keys ACCOUNT`.
    Keys {
        /// Profile name or id.
        account: String,
        /// `--json`.
        json: bool,
    },
    /// `keyfleet inventory`.
    Inventory(InventoryArgs),
    /// `keyfleet publish PUBFILE --to ACCOUNTS`.
    Publish {
        /// The `.pub` file.
        pubfile: PathBuf,
        /// Profile names or ids.
        to: Vec<String>,
        /// `--name`; else the file name without `.pub`.
        name: Option<String>,
        /// `--json`.
        json: bool,
    },
    /// `keyfleet rotate SHA256`.
    Rotate(RotateArgs),
    /// `keyfleet revoke SHA256`.
    Revoke {
        /// `SHA256:…` or a public key file, checked by `change::revoke`.
        sha256: String,
        /// Profile names or ids; empty for every account.
        from: Vec<String>,
        /// `--yes`: really delete.
        yes: bool,
        /// `--json`.
        json: bool,
    },
    /// `keyfleet agent …`.
    Agent(AgentArgs),
}

/// `keyfleet inventory`'s arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InventoryArgs {
    /// `--json`.
    pub json: bool,
    /// Folders to scan besides `~/.ssh` (`--dir`).
    pub dirs: Vec<PathBuf>,
    /// `--local` or `--dir` was given.
    pub local: bool,
    /// `--strict`.
    pub strict: bool,
    /// `--max-age DAYS`.
    pub max_age_days: Option<u32>,
    /// `--max-accounts N`.
    pub max_accounts: Option<usize>,
    /// `--expiring DAYS`.
    pub expiring_days: Option<u32>,
}

/// Bad usage: what is wrong, then the usage line of the command concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses the arguments after the program name (not necessarily UTF-8: a
/// folder's name need not be).
pub fn parse<I, T>(args: I) -> Result<Invocation, UsageError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString>,
{
    args::parse(args)
}

/// Where a command's accounts and tokens come from.
#[derive(Clone)]
pub struct Context {
    /// The profiles.
    pub store: ProfileStore,
    /// The tokens of keyring profiles.
    pub secrets: Arc<dyn SecretStore>,
    /// HTTP timeouts and retries.
    pub http_policy: HttpPolicy,
    /// The folders `--local` scans besides `--dir`s (`~/.ssh`, or the
    /// demo's folder with `--demo`); a missing one is skipped.
    pub local_key_dirs: Vec<PathBuf>,
    /// The ssh-agent (`SSH_AUTH_SOCK`, or the demo's own).
    pub agent: crate::inventory::agent::AgentSocket,
    /// `~/.ssh/config` (or the demo's), for `inventory --local`'s "Used
    /// by hosts"; `None`: not read.
    pub ssh_config: Option<SshConfigSource>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("store", &self.store)
            .field("secrets", &self.secrets.describe())
            .finish_non_exhaustive()
    }
}

/// Runs `command`, printing results to `out` and problems to `err`;
/// returns the exit code.
pub fn run(command: &Command, context: &Context, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let loaded = context.store.read();
    if let Some(warning) = &loaded.warning {
        let _ = writeln!(err, "keyfleet: {}", terminal::escape(warning));
    }
    let profiles = loaded.profiles;
    let result = match command {
        Command::Accounts { json } => print_accounts(&profiles, *json, out),
        Command::Keys { account, json } => {
            let Some(profile) = find_account(&profiles, account) else {
                unknown_account(&profiles, account, err);
                return EXIT_USAGE;
            };
            let listed = list_all(std::slice::from_ref(profile), context);
            print_keys(&listed[0], *json, out, err)
        }
        Command::Inventory(args) => inventory(args, &profiles, context, out, err),
        Command::Publish {
            pubfile,
            to,
            name,
            json,
        } => match resolve_accounts(&profiles, to, err) {
            Some(targets) => {
                change::publish(pubfile, &targets, name.as_deref(), *json, context, out, err)
            }
            None => return EXIT_USAGE,
        },
        Command::Revoke {
            sha256,
            from,
            yes,
            json,
        } => match targets_or_all(&profiles, from, err) {
            Some(targets) => change::revoke(sha256, &targets, *yes, *json, context, out, err),
            None => return EXIT_USAGE,
        },
        Command::Rotate(args) => rotate::run(args, &profiles, context, out, err),
        Command::Agent(args) => {
            let mut input = std::io::stdin().lock();
            agent::run(args, &profiles, context, &mut input, out, err)
        }
    };
    match result {
        Ok(code) => code,
        Err(write_error) => {
            // A closed pipe (`| head`) is not worth a message.
            if write_error.kind() != std::io::ErrorKind::BrokenPipe {
                let _ = writeln!(err, "keyfleet: could not write the output: {write_error}");
            }
            EXIT_ACCOUNT_FAILED
        }
    }
}

/// `keyfleet inventory`: every account's keys (and with `--local` this
/// computer's: key files, the ssh-agent, `~/.ssh/config`), grouped by
/// fingerprint by the same build as the window's All keys.
fn inventory(
    args: &InventoryArgs,
    profiles: &[Profile],
    context: &Context,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let (folders, this_computer) = if args.local {
        // A missing ~/.ssh is normal; a missing --dir is reported.
        let folders: Vec<PathBuf> = context
            .local_key_dirs
            .iter()
            .filter(|folder| folder.is_dir())
            .chain(&args.dirs)
            .cloned()
            .collect();
        let this_computer = ThisComputer {
            ssh_config: context.ssh_config.clone(),
            agent: Some(Arc::new(crate::inventory::agent::list(&context.agent))),
        };
        (folders, this_computer)
    } else {
        (Vec::new(), ThisComputer::default())
    };
    let listed: Vec<AccountKeys> = list_all(profiles, context)
        .into_iter()
        .map(|(profile, keys)| (profile, keys.map(Arc::new)))
        .collect();
    let options = InventoryOptions {
        strict: args.strict,
        max_age_days: args.max_age_days,
        max_accounts: args.max_accounts,
        local_scanned: args.local,
        expiring_days: args.expiring_days,
        ..InventoryOptions::default()
    };
    let snapshot = build_snapshot_with(&listed, folders, &options, &this_computer);
    for problem in &snapshot.local_problems {
        let _ = writeln!(
            err,
            "keyfleet: {}: {}",
            terminal::escape(&problem.path.display().to_string()),
            terminal::escape(&problem.message)
        );
    }
    print_inventory(&snapshot, args.json, out, err)
}

/// The profiles `wanted` names, or every profile when it names none;
/// `None` after saying which one does not exist.
fn targets_or_all(
    profiles: &[Profile],
    wanted: &[String],
    err: &mut dyn Write,
) -> Option<Vec<Profile>> {
    if wanted.is_empty() {
        return Some(profiles.to_vec());
    }
    resolve_accounts(profiles, wanted, err)
}

/// The profiles named (or with the ids) `wanted`, in that order, each once;
/// `None` after saying which one does not exist.
fn resolve_accounts(
    profiles: &[Profile],
    wanted: &[String],
    err: &mut dyn Write,
) -> Option<Vec<Profile>> {
    let mut found: Vec<Profile> = Vec::with_capacity(wanted.len());
    for name in wanted {
        let Some(profile) = find_account(profiles, name) else {
            unknown_account(profiles, name, err);
            return None;
        };
        if !found.iter().any(|p| p.id == profile.id) {
            found.push(profile.clone());
        }
    }
    Some(found)
}

fn unknown_account(profiles: &[Profile], wanted: &str, err: &mut dyn Write) {
    let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(
        err,
        "keyfleet: no account is named or has the id \"{}\"; accounts: {}",
        terminal::escape(wanted),
        if names.is_empty() {
            "(none)".to_string()
        } else {
            terminal::escape(&names.join(", ")).into_owned()
        }
    );
}

/// The profile with this id, else this exact name, else this name in any case
/// when only one matches.
fn find_account<'a>(profiles: &'a [Profile], wanted: &str) -> Option<&'a Profile> {
    profiles
        .iter()
        .find(|p| p.id == wanted)
        .or_else(|| profiles.iter().find(|p| p.name == wanted))
        .or_else(|| {
            let mut matches = profiles
                .iter()
                .filter(|p| p.name.eq_ignore_ascii_case(wanted));
            let first = matches.next()?;
            matches.next().is_none().then_some(first)
        })
}

/// Lists every account's keys concurrently; each result stands alone.
pub fn list_all(
    profiles: &[Profile],
    context: &Context,
) -> Vec<(Profile, Result<Vec<RemoteKey>, ApiError>)> {
    let results = for_each_account(profiles, context, |client, _| async move {
        client.list_keys().await
    });
    profiles.iter().cloned().zip(results).collect()
}

/// Runs `work` with a client for every profile, all concurrently on one
/// runtime; one result per profile, in order. A profile whose client cannot
/// be made (no token, bad URL) gets that error.
pub(crate) fn for_each_account<T, F, Fut>(
    profiles: &[Profile],
    context: &Context,
    work: F,
) -> Vec<Result<T, ApiError>>
where
    F: Fn(ProviderClient, usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("keyfleet-cli")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            let error = ApiError::new(
                crate::providers::ApiErrorKind::Network,
                format!("could not start the network runtime: {err}"),
            );
            return profiles.iter().map(|_| Err(error.clone())).collect();
        }
    };
    let http = Http::new(context.http_policy.clone());
    let work = &work;
    runtime.block_on(futures::future::join_all(profiles.iter().enumerate().map(
        |(index, profile)| {
            let http = &http;
            async move {
                let client = account_client(http, &context.secrets, profile, None).await?;
                work(client, index).await
            }
        },
    )))
}

/// A plain table: columns padded to their widest cell, two spaces apart.
/// Cells hold what servers and files said, so each is escaped for the
/// terminal ([`terminal::escape`]) before it is measured and printed.
pub(crate) fn table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| terminal::escape(cell).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// The provider's name in tables: serde's name for it, the one `--json`
/// and the profiles file use, so the two cannot drift apart.
pub(crate) fn provider_name(kind: ProviderKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        // A unit variant always serializes to a string; never panic anyway.
        _ => format!("{kind:?}").to_lowercase(),
    }
}

#[derive(Serialize)]
struct AccountJson<'a> {
    id: &'a str,
    name: &'a str,
    provider: ProviderKind,
    base_url: &'a str,
    scope: String,
    /// `keyring` or `environment`: where the token is, never the token.
    token_source: &'static str,
    token_env_var: Option<&'a str>,
}

fn print_accounts(profiles: &[Profile], json: bool, out: &mut dyn Write) -> std::io::Result<u8> {
    let accounts: Vec<AccountJson> = profiles
        .iter()
        .map(|p| {
            let (token_source, token_env_var) = match &p.token_source {
                TokenSource::Keyring => ("keyring", None),
                TokenSource::EnvVar(name) => ("environment", Some(name.as_str())),
            };
            AccountJson {
                id: &p.id,
                name: &p.name,
                provider: p.provider(),
                base_url: &p.base_url,
                scope: p.scope_label(),
                token_source,
                token_env_var,
            }
        })
        .collect();
    if json {
        terminal::write_json(out, &serde_json::json!({ "accounts": accounts }))?;
    } else {
        let rows: Vec<Vec<String>> = accounts
            .iter()
            .map(|a| {
                vec![
                    a.name.to_string(),
                    provider_name(a.provider).to_string(),
                    a.scope.clone(),
                    a.id.to_string(),
                    match a.token_env_var {
                        Some(var) => format!("env {var}"),
                        None => a.token_source.to_string(),
                    },
                    a.base_url.to_string(),
                ]
            })
            .collect();
        table(
            out,
            &["NAME", "PROVIDER", "SCOPE", "ID", "TOKEN", "URL"],
            &rows,
        )?;
    }
    Ok(EXIT_OK)
}

#[derive(Serialize)]
struct KeyJson<'a> {
    id: &'a str,
    name: &'a str,
    sha256: Option<&'a str>,
    algorithm: Option<&'a str>,
    bits: Option<u32>,
    comment: Option<&'a str>,
    /// RFC 3339 in UTC (see [`crate::dates`]).
    created_at: Option<String>,
    /// When the key stops working (RFC 3339, UTC); `null` where it never
    /// expires or the provider has no expiry, as in `inventory --json`.
    expires_at: Option<String>,
    /// The key's `key=value` labels (Hetzner Cloud); left out where the
    /// provider has no labels, `{}` where it has none for this key.
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<&'a std::collections::BTreeMap<String, String>>,
    /// Why the provider's MD5 is in doubt; left out where it agrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint_warning: Option<&'a str>,
    public_key: Option<&'a str>,
}

fn print_keys(
    (profile, listed): &(Profile, Result<Vec<RemoteKey>, ApiError>),
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let keys: &[RemoteKey] = listed.as_deref().unwrap_or_default();
    let failure = listed.as_ref().err();
    if json {
        let keys: Vec<KeyJson> = keys
            .iter()
            .map(|k| KeyJson {
                id: &k.id,
                name: &k.name,
                sha256: k.fingerprint_sha256.as_deref(),
                algorithm: k.algorithm_shown(),
                bits: k
                    .algorithm_label
                    .as_deref()
                    .and_then(crate::inventory::label_bits),
                comment: k.comment.as_deref(),
                created_at: k.created_at.as_deref().map(crate::dates::rfc3339),
                expires_at: k.expires_at.as_deref().map(crate::dates::rfc3339),
                labels: k.labels.as_ref(),
                fingerprint_warning: k.fingerprint_warning.as_deref(),
                public_key: k.public_key.as_deref(),
            })
            .collect();
        let errors: Vec<_> = failure
            .map(|e| serde_json::json!({ "account": profile.name, "message": e.message }))
            .into_iter()
            .collect();
        terminal::write_json(
            out,
            &serde_json::json!({
                "account": profile.name,
                "provider": profile.provider(),
                "keys": keys,
                "errors": errors,
            }),
        )?;
    } else if failure.is_none() {
        let rows: Vec<Vec<String>> = keys
            .iter()
            .map(|k| {
                vec![
                    k.name.to_string(),
                    k.algorithm_shown().unwrap_or("?").to_string(),
                    k.fingerprint_sha256
                        .clone()
                        .unwrap_or_else(|| "fingerprint unknown".into()),
                    k.created_at
                        .as_deref()
                        .map(crate::dates::human)
                        .unwrap_or_default(),
                    k.id.clone(),
                ]
            })
            .collect();
        table(
            out,
            &["NAME", "ALGORITHM", "SHA256", "CREATED", "ID"],
            &rows,
        )?;
    }
    if let Some(failure) = failure {
        writeln!(
            err,
            "keyfleet: {}",
            labelled(&profile.name, &failure.message)
        )?;
        return Ok(EXIT_ACCOUNT_FAILED);
    }
    Ok(EXIT_OK)
}

/// `inventory --json`: the inventory document, each key with its agent
/// state when the agent was asked.
#[derive(Serialize)]
struct InventoryJson<'a> {
    keys: Vec<GroupJson<'a>>,
    errors: &'a [AccountError],
    /// Why the ssh-agent could not be asked ("no agent: SSH_AUTH_SOCK is
    /// not set"); left out when it answered or was not asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_error: Option<String>,
}

#[derive(Serialize)]
struct GroupJson<'a> {
    #[serde(flatten)]
    key: &'a KeyGroup,
    /// The window's "In agent": `true`/`false`; `null` when there is no
    /// agent (see `agent_error`); left out when it was not asked (no
    /// `--local`).
    #[serde(skip_serializing_if = "Option::is_none")]
    in_agent: Option<Option<bool>>,
}

impl<'a> InventoryJson<'a> {
    fn of(snapshot: &'a FleetSnapshot) -> Self {
        let agent = snapshot.agent.as_deref();
        let in_agent = |index: usize| match agent {
            None => None,
            Some(Err(_)) => Some(None),
            Some(Ok(_)) => Some(Some(
                snapshot.in_agent.get(index).is_some_and(Option::is_some),
            )),
        };
        Self {
            keys: (snapshot.inventory.keys.iter().enumerate())
                .map(|(index, key)| GroupJson {
                    key,
                    in_agent: in_agent(index),
                })
                .collect(),
            errors: &snapshot.inventory.errors,
            agent_error: agent
                .and_then(|listing| listing.as_ref().err())
                .map(ToString::to_string),
        }
    }
}

fn print_inventory(
    snapshot: &FleetSnapshot,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let inventory = &snapshot.inventory;
    if json {
        terminal::write_json(out, &InventoryJson::of(snapshot))?;
    } else {
        inventory_table(snapshot, out)?;
        if let Some(Err(why)) = snapshot.agent.as_deref() {
            writeln!(err, "keyfleet: {}", terminal::escape(&why.to_string()))?;
        }
    }
    for error in &inventory.errors {
        writeln!(
            err,
            "keyfleet: {}",
            labelled(&error.account, &error.message)
        )?;
    }
    Ok(if inventory.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_ACCOUNT_FAILED
    })
}

/// The human `inventory` table; with an AGENT column (the window's "In
/// agent" cell) when the agent was asked.
fn inventory_table(snapshot: &FleetSnapshot, out: &mut dyn Write) -> std::io::Result<()> {
    let with_agent = snapshot.agent.is_some();
    let rows: Vec<Vec<String>> = (snapshot.inventory.keys.iter().zip(&snapshot.rows))
        .map(|(g, row)| {
            let mut accounts: Vec<&str> = g.accounts.iter().map(|h| h.account.as_str()).collect();
            accounts.dedup();
            let mut cells = vec![
                g.display_name(),
                g.algorithm.clone().unwrap_or_else(|| "?".into()),
                g.sha256
                    .clone()
                    .unwrap_or_else(|| "fingerprint unknown".into()),
                accounts.join(", "),
                g.local_paths.join(", "),
                g.oldest_created_at
                    .as_deref()
                    .map(crate::dates::human)
                    .unwrap_or_default(),
                g.flags
                    .iter()
                    .map(|f| f.label())
                    .collect::<Vec<_>>()
                    .join(","),
            ];
            if with_agent {
                cells.push(row.agent.clone());
            }
            cells
        })
        .collect();
    let mut header = vec![
        "NAME",
        "ALGORITHM",
        "SHA256",
        "ACCOUNTS",
        "LOCAL",
        "OLDEST",
        "FLAGS",
    ];
    if with_agent {
        header.push("AGENT");
    }
    table(out, &header, &rows)
}

/// `label: message` for an error line (an account or a file, and what
/// went wrong), both escaped for the terminal: the message may quote what
/// a server or a file said.
pub(crate) fn labelled(label: &str, message: &str) -> String {
    format!("{}: {}", terminal::escape(label), terminal::escape(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_commands_and_refuses_bad_usage() {
        assert_eq!(parse(args("")), Ok(Invocation::Window { demo: false }));
        assert_eq!(parse(args("--demo")), Ok(Invocation::Window { demo: true }));
        assert_eq!(
            parse(args("--demo accounts --json")),
            Ok(Invocation::Run {
                demo: true,
                command: Command::Accounts { json: true }
            })
        );
        assert_eq!(
            parse(args("keys Prod")),
            Ok(Invocation::Run {
                demo: false,
                command: Command::Keys {
                    account: "Prod".into(),
                    json: false
                }
            })
        );
        let Ok(Invocation::Run {
            command:
                Command::Inventory(InventoryArgs {
                    dirs,
                    local,
                    max_age_days,
                    expiring_days,
                    ..
                }),
            ..
        }) = parse(args("inventory --dir /x --max-age 90 --expiring 30"))
        else {
            panic!("inventory did not parse");
        };
        assert!(local);
        assert_eq!(dirs, [PathBuf::from("/x")]);
        assert_eq!(max_age_days, Some(90));
        assert_eq!(expiring_days, Some(30));
        for bad in [
            "keys",
            "keys a b",
            "frobnicate",
            "accounts --local",
            "inventory --max-age soon",
            "inventory --expiring soon",
            "inventory --dir",
            "--json",
            "accounts --colour",
            "publish x.pub",
            "publish --to a",
            "publish x.pub --to ,",
            "revoke",
            "revoke laptop",
            "accounts --yes",
            "inventory --to a",
            "keys a --name b",
        ] {
            assert!(parse(args(bad)).is_err(), "{bad} parsed");
        }
        let Ok(Invocation::Print(help)) = parse(args("inventory --help")) else {
            panic!("inventory --help is not help");
        };
        assert!(help.contains("--max-age <DAYS>"), "{help}");
        assert_eq!(
            parse(args("publish k.pub --to a,b --name n")),
            Ok(Invocation::Run {
                demo: false,
                command: Command::Publish {
                    pubfile: PathBuf::from("k.pub"),
                    to: vec!["a".into(), "b".into()],
                    name: Some("n".into()),
                    json: false
                }
            })
        );
        assert_eq!(
            parse(args("revoke SHA256:abc --yes")),
            Ok(Invocation::Run {
                demo: false,
                command: Command::Revoke {
                    sha256: "SHA256:abc".into(),
                    from: vec![],
                    yes: true,
                    json: false
                }
            })
        );
    }

    #[test]
    fn provider_names_are_the_json_names() {
        let names: Vec<String> = ProviderKind::ALL.into_iter().map(provider_name).collect();
        assert_eq!(
            names,
            [
                "gcore",
                "sesterce",
                "terraform",
                "github",
                "hetzner",
                "digitalocean",
                "gitlab"
            ]
        );
        for kind in ProviderKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", provider_name(kind)));
            let back: ProviderKind = serde_json::from_str(&json).unwrap();
            assert_eq!(back, kind);
        }
    }

    #[test]
    fn table_aligns_columns() {
        let mut out = Vec::new();
        table(
            &mut out,
            &["A", "BB"],
            &[
                vec!["long cell".into(), "x".into()],
                vec!["é".into(), "".into()],
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "A          BB\nlong cell  x\né\n"
        );
    }
}
