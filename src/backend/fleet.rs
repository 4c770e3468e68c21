//! Work behind the fleet view and the `inventory` subcommand: building the
//! inventory off the UI thread and writing it to a file. (Adding a key to
//! an account unless it is there is [`crate::ops::publish`].)

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::inventory::agent::{AgentKey, AgentListing};
use crate::inventory::ssh_config::{self, SshConfigSource, SshHosts};
use crate::inventory::{ExportFormat, Inventory, InventoryOptions, LocalKey, LocalProblem, local};
use crate::providers::{ApiError, RemoteKey};
use crate::store::Profile;

/// One account's keys as the window holds them (shared with its table).
pub type AccountKeys = (Profile, Result<Arc<Vec<RemoteKey>>, ApiError>);

/// A built inventory, with what the fleet table needs to filter fast.
#[derive(Debug, Default)]
pub struct FleetSnapshot {
    /// The grouped keys and the accounts that failed.
    pub inventory: Inventory,
    /// Per key (same order): its lower-cased names, fingerprint, type,
    /// comment, accounts and paths, for the filter box.
    pub search: Vec<String>,
    /// Per key (same order): the table's texts that would otherwise be
    /// built every frame for every visible row.
    pub rows: Vec<RowText>,
    /// The keys found on this computer (their public halves: publishing
    /// a local-only key needs its text).
    pub local_keys: Vec<LocalKey>,
    /// Local files that looked like keys but could not be read.
    pub local_problems: Vec<LocalProblem>,
    /// The folders that were scanned.
    pub local_dirs: Vec<PathBuf>,
    /// What `~/.ssh/config` says (empty when it was not read).
    pub hosts: SshHosts,
    /// The ssh-agent's keys the build saw, or why there is no agent;
    /// `None` when it was not asked.
    pub agent: Option<Arc<AgentListing>>,
    /// Per key (same order): the agent's copy of it, if it holds one.
    pub in_agent: Vec<Option<AgentKey>>,
}

/// Scans `local_dirs` and groups `accounts` with what it found. CPU and
/// file work: run it on a blocking thread.
pub fn build_snapshot(
    accounts: &[AccountKeys],
    local_dirs: Vec<PathBuf>,
    options: &InventoryOptions,
) -> FleetSnapshot {
    build_snapshot_with(accounts, local_dirs, options, &ThisComputer::default())
}

/// What a build reads of this computer beside the key folders.
#[derive(Debug, Default)]
pub struct ThisComputer {
    /// `~/.ssh/config`, for each key's "Used by hosts" and the missing keys
    /// it names; `None`: not read.
    pub ssh_config: Option<SshConfigSource>,
    /// The ssh-agent's keys (as listed already), for the "In agent" column
    /// and the agent's own rows ([`crate::inventory::agent::merge`]);
    /// `None`: not asked.
    pub agent: Option<Arc<AgentListing>>,
}

/// [`build_snapshot`], with what `this_computer` says merged in.
pub fn build_snapshot_with(
    accounts: &[AccountKeys],
    local_dirs: Vec<PathBuf>,
    options: &InventoryOptions,
    this_computer: &ThisComputer,
) -> FleetSnapshot {
    let scan = local::scan(&local_dirs);
    let hosts = this_computer
        .ssh_config
        .as_ref()
        .map(ssh_config::read)
        .unwrap_or_default();
    let agent = this_computer.agent.clone();
    let mut inventory = Inventory::build_from(
        accounts
            .iter()
            .map(|(profile, keys)| (profile, keys.as_ref().map(|keys| keys.as_slice()))),
        &scan.keys,
        options,
    );
    inventory.add_hosts(&hosts);
    let in_agent = match agent.as_deref() {
        Some(Ok(keys)) => crate::inventory::agent::merge(&mut inventory, keys),
        _ => vec![None; inventory.keys.len()],
    };
    let search = inventory.keys.iter().map(search_text).collect();
    let rows = inventory
        .keys
        .iter()
        .zip(&in_agent)
        .map(|(key, copy)| {
            let mut row = RowText::new(key);
            row.agent = agent_cell(agent.as_deref(), copy.as_ref());
            row.in_agent = copy.is_some();
            row.private_key = private_key_of(key, &scan.keys);
            row
        })
        .collect();
    FleetSnapshot {
        inventory,
        search,
        rows,
        local_keys: scan.keys,
        local_problems: scan.problems,
        local_dirs,
        hosts,
        agent,
        in_agent,
    }
}

/// The private key file of `key` among the local keys: the first one
/// with its fingerprint whose private key file exists.
fn private_key_of(key: &crate::inventory::KeyGroup, local: &[LocalKey]) -> Option<PathBuf> {
    let sha256 = key.sha256.as_deref()?;
    local
        .iter()
        .filter(|local| local.sha256.as_deref() == Some(sha256))
        .filter_map(|local| local.private_key_path.clone())
        .find(|path| path.is_file())
}

/// The "In agent" cell: "yes" (a certificate says so), empty when not
/// held, "no agent" when there is none (the column's tooltip says why).
fn agent_cell(listing: Option<&AgentListing>, copy: Option<&AgentKey>) -> String {
    match (listing, copy) {
        (Some(Err(_)), _) => "no agent".into(),
        (_, Some(copy)) if copy.certificate => "yes (certificate)".into(),
        (_, Some(_)) => "yes".into(),
        _ => String::new(),
    }
}

/// Texts of one row of the "All keys" table, made once per build.
#[derive(Clone, Debug, Default)]
pub struct RowText {
    /// The key's names, else its file name.
    pub name: String,
    /// Its type, marked "⚠" when weak, or "fingerprint unknown".
    pub algorithm: String,
    /// The hygiene findings, comma-separated.
    pub flags: String,
    /// The first accounts holding it, as one text: rows the pointer is not
    /// on draw this instead of a link per account.
    pub accounts: String,
    /// "+N more" when more accounts hold it than the row shows.
    pub more_accounts: Option<String>,
    /// The earliest expiry date of a copy; "never" where a copy is on a
    /// provider with expiry but has none; empty where no provider has expiry.
    pub expires: String,
    /// "yes" when the ssh-agent holds it, "no agent" when there is none.
    pub agent: String,
    /// The key's private key file on this computer, if one was found
    /// ("Add to agent" loads it).
    pub private_key: Option<PathBuf>,
    /// The ssh-agent holds it.
    pub in_agent: bool,
}

/// Accounts shown in a row before "+N more".
pub const ACCOUNTS_SHOWN: usize = 3;

impl RowText {
    fn new(key: &crate::inventory::KeyGroup) -> Self {
        use crate::inventory::Flag;
        let algorithm = match &key.algorithm {
            Some(algorithm) if key.flags.contains(&Flag::Weak) => format!("⚠ {algorithm}"),
            Some(algorithm) => algorithm.clone(),
            None if key.missing_path.is_some() => "no such file".into(),
            None => "fingerprint unknown".into(),
        };
        let flags: Vec<&str> = key.flags.iter().map(|flag| flag.description()).collect();
        Self {
            name: key.display_name(),
            algorithm,
            flags: flags.join(", "),
            accounts: key
                .accounts
                .iter()
                .take(ACCOUNTS_SHOWN)
                .map(|holding| holding.account.as_str())
                .collect::<Vec<_>>()
                .join("  "),
            more_accounts: (key.accounts.len() > ACCOUNTS_SHOWN)
                .then(|| format!("+{} more", key.accounts.len() - ACCOUNTS_SHOWN)),
            expires: expires_text(key),
            agent: String::new(),
            private_key: None,
            in_agent: false,
        }
    }
}

/// The All keys "Expires" cell: the earliest date, "never", or nothing.
fn expires_text(key: &crate::inventory::KeyGroup) -> String {
    match key.earliest_expires_at.as_deref() {
        Some(date) => date.get(..10).unwrap_or(date).to_string(),
        None if key
            .accounts
            .iter()
            .any(|holding| holding.provider.capabilities().expiry) =>
        {
            "never".into()
        }
        None => String::new(),
    }
}

fn search_text(key: &crate::inventory::KeyGroup) -> String {
    let mut text = key.names.join("\u{1f}");
    for part in [&key.sha256, &key.algorithm, &key.comment]
        .into_iter()
        .flatten()
    {
        text.push('\u{1f}');
        text.push_str(part);
    }
    for holding in &key.accounts {
        text.push('\u{1f}');
        text.push_str(&holding.account);
    }
    for path in key.local_paths.iter().chain(&key.used_by_hosts) {
        text.push('\u{1f}');
        text.push_str(path);
    }
    text.to_lowercase()
}

/// Writes the inventory to `path` in `format`, replacing the file whole
/// ([`crate::store::atomic::replace_file`]): a failed write never leaves a
/// half file where an older export was.
pub fn export_inventory(
    inventory: &Inventory,
    format: ExportFormat,
    path: &Path,
) -> Result<(), String> {
    let bytes = inventory.export(format)?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    crate::store::atomic::replace_file(folder, path, &bytes, |_| Ok(()))
        .map_err(|(what, err)| format!("Could not write {}: {what}: {err}", path.display()))
}
