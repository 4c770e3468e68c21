//! Work behind the fleet view and the `inventory` subcommand: building the
//! inventory off the UI thread and writing it to a file. (Adding a key to
//! an account unless it is there is [`crate::ops::publish`].)

use std::path::{Path, PathBuf};
use std::sync::Arc;

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
}

/// Scans `local_dirs` and groups `accounts` with what it found. CPU and
/// file work: run it on a blocking thread.
pub fn build_snapshot(
    accounts: &[AccountKeys],
    local_dirs: Vec<PathBuf>,
    options: &InventoryOptions,
) -> FleetSnapshot {
    build_snapshot_with_hosts(accounts, local_dirs, None, options)
}

/// [`build_snapshot`], also reading `~/.ssh/config` at `ssh_config` for
/// each key's "Used by hosts" and the missing keys it names.
pub fn build_snapshot_with_hosts(
    accounts: &[AccountKeys],
    local_dirs: Vec<PathBuf>,
    ssh_config: Option<&SshConfigSource>,
    options: &InventoryOptions,
) -> FleetSnapshot {
    let scan = local::scan(&local_dirs);
    let hosts = ssh_config.map(ssh_config::read).unwrap_or_default();
    let mut inventory = Inventory::build_from(
        accounts
            .iter()
            .map(|(profile, keys)| (profile, keys.as_ref().map(|keys| keys.as_slice()))),
        &scan.keys,
        options,
    );
    inventory.add_hosts(&hosts);
    let search = inventory.keys.iter().map(search_text).collect();
    let rows = inventory.keys.iter().map(RowText::new).collect();
    FleetSnapshot {
        inventory,
        search,
        rows,
        local_keys: scan.keys,
        local_problems: scan.problems,
        local_dirs,
        hosts,
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
