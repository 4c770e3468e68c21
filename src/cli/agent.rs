//! `keyfleet agent`: the ssh-agent's keys with where else each one is (the
//! accounts holding it, the files on this computer), and `agent add` /
//! `agent remove`, which do what the window's "Add to agent" and "Remove
//! from agent" do (`crate::inventory::agent`).

use std::io::{BufRead, Write};
use std::path::PathBuf;

use serde::Serialize;

use super::{Context, EXIT_ACCOUNT_FAILED, EXIT_OK, list_all, terminal};
use crate::inventory::agent::{self, AddOptions, AgentError, AgentKey};
use crate::inventory::{Holding, Inventory, InventoryOptions, local};
use crate::keys::SecretString;
use crate::store::Profile;

/// `keyfleet agent …`'s arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentArgs {
    /// `keyfleet agent`: list.
    List {
        /// `--json`.
        json: bool,
    },
    /// `keyfleet agent add PATH`.
    Add {
        /// The private key file.
        path: PathBuf,
        /// `--lifetime SECONDS`.
        lifetime: Option<u32>,
        /// `--confirm`.
        confirm: bool,
        /// `--passphrase-stdin`: read the passphrase from standard input.
        passphrase_stdin: bool,
        /// `--json`.
        json: bool,
    },
    /// `keyfleet agent remove SHA256`.
    Remove {
        /// The key's `SHA256:…`.
        sha256: String,
        /// `--json`.
        json: bool,
    },
}

/// One agent key with where else it is, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    key: &'a AgentKey,
    accounts: &'a [Holding],
    files: &'a [String],
}

/// Runs `keyfleet agent …`; `input` is standard input (the passphrase).
pub(super) fn run(
    args: &AgentArgs,
    profiles: &[Profile],
    context: &Context,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let socket = &context.agent;
    match args {
        AgentArgs::List { json } => list(profiles, context, *json, out, err),
        AgentArgs::Add {
            path,
            lifetime,
            confirm,
            passphrase_stdin,
            json,
        } => {
            let passphrase = if *passphrase_stdin {
                Some(read_passphrase(input)?)
            } else {
                None
            };
            let options = AddOptions {
                lifetime_seconds: *lifetime,
                confirm: *confirm,
            };
            let added = agent::add_file(socket, path, passphrase.as_ref(), options);
            answer(added.map(|key| ("added", key)), *json, out, err)
        }
        AgentArgs::Remove { sha256, json } => {
            let removed = agent::remove(socket, sha256);
            answer(removed.map(|key| ("removed", key)), *json, out, err)
        }
    }
}

/// The first line of standard input, without its line ending, in a
/// zeroizing buffer.
fn read_passphrase(input: &mut dyn BufRead) -> std::io::Result<SecretString> {
    let mut line = SecretString::default();
    input.read_line(line.expose_mut())?;
    let kept = line.expose().trim_end_matches(['\r', '\n']).len();
    line.expose_mut().truncate(kept);
    Ok(line)
}

/// Prints what `add`/`remove` did, or why it failed (exit status 1).
fn answer(
    result: Result<(&str, AgentKey), AgentError>,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    match result {
        Ok((what, key)) if json => {
            let value = serde_json::json!({ what: key });
            super::terminal::write_json(out, &value)?;
            Ok(EXIT_OK)
        }
        Ok((what, key)) => {
            let comment = terminal::escape(&key.comment);
            writeln!(out, "{what} {} {} {comment}", key.sha256, key.algorithm)?;
            Ok(EXIT_OK)
        }
        Err(error) => {
            writeln!(err, "keyfleet: {}", terminal::escape(&error.to_string()))?;
            Ok(EXIT_ACCOUNT_FAILED)
        }
    }
}

/// `keyfleet agent`: every key the agent holds, with the accounts and the
/// files (in the scanned folders) holding the same key.
fn list(
    profiles: &[Profile],
    context: &Context,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let keys = match agent::list(&context.agent) {
        Ok(keys) => keys,
        Err(error) => {
            writeln!(err, "keyfleet: {}", terminal::escape(&error.to_string()))?;
            return Ok(EXIT_ACCOUNT_FAILED);
        }
    };
    let folders: Vec<PathBuf> = context
        .local_key_dirs
        .iter()
        .filter(|folder| folder.is_dir())
        .cloned()
        .collect();
    let scan = local::scan(&folders);
    let listed = list_all(profiles, context);
    let mut inventory = Inventory::build_with(&listed, &scan.keys, &InventoryOptions::default());
    let copies = agent::merge(&mut inventory, &keys);
    // The agent's order, each key with its group.
    let rows: Vec<Listed<'_>> = keys
        .iter()
        .filter_map(|key| {
            let index = copies
                .iter()
                .position(|copy| copy.as_ref().is_some_and(|c| c.sha256 == key.sha256))?;
            let group = &inventory.keys[index];
            Some(Listed {
                key,
                accounts: &group.accounts,
                files: &group.local_paths,
            })
        })
        .collect();
    for failed in &inventory.errors {
        writeln!(
            err,
            "keyfleet: {}: {}",
            terminal::escape(&failed.account),
            terminal::escape(&failed.message)
        )?;
    }
    if json {
        let value = serde_json::json!({ "keys": rows, "errors": inventory.errors });
        super::terminal::write_json(out, &value)?;
    } else {
        print_rows(&rows, out)?;
    }
    Ok(if inventory.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_ACCOUNT_FAILED
    })
}

fn print_rows(rows: &[Listed<'_>], out: &mut dyn Write) -> std::io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "The agent holds no keys.");
    }
    for row in rows {
        writeln!(
            out,
            "{}  {}  {}",
            row.key.sha256,
            row.key.algorithm,
            terminal::escape(&row.key.comment)
        )?;
        if row.accounts.is_empty() {
            writeln!(out, "    accounts: none")?;
        }
        for holding in row.accounts {
            writeln!(
                out,
                "    account: {} (\"{}\", {})",
                terminal::escape(&holding.account),
                terminal::escape(&holding.name),
                terminal::escape(&holding.key_id)
            )?;
        }
        for file in row.files {
            writeln!(out, "    file: {}", terminal::escape(file))?;
        }
    }
    Ok(())
}
