//! `keyfleet rotate SHA256:…`: the window's rotation on the command line,
//! on the same machine ([`crate::ops::rotation::Machine`]) and the same
//! `rotations.json`, so a rotation started in one can be finished in the
//! other. Without `--yes` it prints the plan and changes nothing (exit 2);
//! with `--yes` it saves the new key, adds it everywhere and stops at the
//! pause; `--remove-old` (now or in a later run) removes the old key.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{
    Context, EXIT_ACCOUNT_FAILED, EXIT_OK, EXIT_USAGE, list_all, provider_name, resolve_accounts,
    table,
};
use crate::backend::account_client;
use crate::inventory::{Inventory, KeyGroup};
use crate::keys::generate::{GenerateRequest, KeyAlgorithm, PrivateKeyEncoding, generate};
use crate::ops::rotation::plan::{free_name, note_taken_names};
use crate::ops::rotation::{
    AccountRef, Action, Machine, NewKeyInfo, OldKeyInfo, Phase, Rotation, RotationStore, StepState,
    run,
};
use crate::providers::{ApiError, Http, ProviderClient, ProviderKind, RemoteKey, StoredMaterial};
use crate::store::Profile;

/// Where the new key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewKeySource {
    /// `--generate ALGORITHM --save PATH`.
    Generate {
        /// Ed25519 or RSA 4096.
        algorithm: KeyAlgorithm,
        /// Where the private key goes (absolute).
        save: PathBuf,
    },
    /// `--key PATH`: a private key already on this computer (absolute).
    Key(PathBuf),
}

/// `keyfleet rotate`'s arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotateArgs {
    /// The old key's `SHA256:…`.
    pub sha256: String,
    /// The new key; `None` to go on with a waiting rotation.
    pub new_key: Option<NewKeySource>,
    /// Profile names or ids; empty for every account.
    pub to: Vec<String>,
    /// `--yes`: change accounts.
    pub yes: bool,
    /// `--remove-old`: go on past the pause.
    pub remove_old: bool,
    /// `--json`.
    pub json: bool,
}

/// Runs `keyfleet rotate`.
pub(super) fn run(
    args: &RotateArgs,
    profiles: &[Profile],
    context: &Context,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let config_dir = context
        .store
        .path()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let store = RotationStore::new(config_dir);
    let loaded = match store.load_checked() {
        Ok(loaded) => loaded,
        Err(message) => {
            writeln!(err, "keyfleet: {message}")?;
            return Ok(EXIT_ACCOUNT_FAILED);
        }
    };
    if let Some(warning) = &loaded.warning {
        writeln!(err, "keyfleet: {warning}")?;
    }
    let waiting = loaded
        .rotations
        .into_iter()
        .find(|rotation| rotation.old.sha256.as_deref() == Some(args.sha256.as_str()));
    let rotation = match waiting {
        Some(rotation) => {
            if args.new_key.is_some() {
                writeln!(
                    err,
                    "keyfleet: a rotation of {} to \"{}\" is waiting to finish; going on with it (the new-key options are not used)",
                    args.sha256, rotation.new.name
                )?;
            }
            rotation
        }
        None => match plan_new(args, profiles, context, err)? {
            Ok(rotation) => rotation,
            Err(code) => return Ok(code),
        },
    };
    if !args.yes {
        print_rotation(&rotation, args.json, out)?;
        writeln!(
            err,
            "keyfleet: nothing was changed; run again with --yes to {}",
            next_step_words(&rotation, args.remove_old)
        )?;
        return Ok(EXIT_USAGE);
    }
    let rotation = match rotation.phase {
        Phase::Planned => match make_new_key(args, rotation, err)? {
            Ok(rotation) => rotation,
            Err(code) => return Ok(code),
        },
        _ => rotation,
    };
    let rotation = advance(rotation, args.remove_old, profiles, context, &store, err)?;
    print_rotation(&rotation, args.json, out)?;
    report(&rotation, &args.sha256, err)
}

/// What a run with `--yes` would do next, in words.
fn next_step_words(rotation: &Rotation, remove_old: bool) -> &'static str {
    match (rotation.phase, remove_old) {
        (Phase::Planned, false) => "save the new key and add it (the old key stays)",
        (Phase::Planned, true) => "save the new key, add it and remove the old key",
        (Phase::Paused | Phase::Removing, true) => "remove the old key",
        _ => "finish adding the new key",
    }
}

/// Lists the accounts, plans the rotation of the key with `args.sha256`
/// (new key not made yet: `Planned`, named and located as it will be).
/// `Err(exit code)` after saying why there is nothing to plan.
fn plan_new(
    args: &RotateArgs,
    profiles: &[Profile],
    context: &Context,
    err: &mut dyn Write,
) -> std::io::Result<Result<Rotation, u8>> {
    let Some(source) = &args.new_key else {
        writeln!(
            err,
            "keyfleet: rotate needs the new key: --generate ed25519|rsa4096 --save PATH, or --key PATH"
        )?;
        return Ok(Err(EXIT_USAGE));
    };
    let targets = if args.to.is_empty() {
        profiles.to_vec()
    } else {
        match resolve_accounts(profiles, &args.to, err) {
            Some(targets) => targets,
            None => return Ok(Err(EXIT_USAGE)),
        }
    };
    let listed = list_all(&targets, context);
    let mut failed = false;
    for (profile, result) in &listed {
        if let Err(error) = result {
            writeln!(
                err,
                "keyfleet: {}: {}",
                super::terminal::escape(&profile.name),
                super::terminal::escape(&error.message)
            )?;
            failed = true;
        }
    }
    if failed {
        writeln!(
            err,
            "keyfleet: nothing was changed: every account must be listed before a rotation is planned"
        )?;
        return Ok(Err(EXIT_ACCOUNT_FAILED));
    }
    // Only keys with this fingerprint: never a key matched by name alone.
    let inventory = Inventory::build(&listed, &[]);
    let Some(group) = inventory
        .keys
        .iter()
        .find(|group| group.sha256.as_deref() == Some(args.sha256.as_str()))
    else {
        writeln!(err, "keyfleet: no account holds a key with {}", args.sha256)?;
        return Ok(Err(EXIT_ACCOUNT_FAILED));
    };
    note_unchecked(&listed, err)?;
    let keys_of = |profile_id: &str| -> Option<&[RemoteKey]> {
        listed
            .iter()
            .find(|(profile, _)| profile.id == profile_id)
            .and_then(|(_, keys)| keys.as_deref().ok())
    };
    let mut steps = Rotation::plan_steps(group, |profile_id, key_id| {
        keys_of(profile_id)?.iter().find(|key| key.id == key_id)
    });
    note_taken_names(&mut steps, keys_of);
    let new = planned_new_key(group, &steps, source);
    let mut rotation = Rotation::from_parts(OldKeyInfo::of(group), new, steps);
    crate::ops::rotation::machine::tie_to_accounts(&mut rotation.steps, &AccountRef::all(profiles));
    if let Err(reason) = rotation.check() {
        writeln!(err, "keyfleet: {reason}")?;
        return Ok(Err(EXIT_USAGE));
    }
    Ok(Ok(rotation))
}

/// Says how many keys could not be checked: accounts that store private
/// keys list no fingerprint, so a copy of the key there cannot be found.
fn note_unchecked(
    listed: &[(Profile, Result<Vec<RemoteKey>, ApiError>)],
    err: &mut dyn Write,
) -> std::io::Result<()> {
    for (profile, keys) in listed {
        let unchecked = keys
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|key| key.fingerprint_sha256.is_none())
            .count();
        if unchecked > 0 && profile.provider().capabilities().stores == StoredMaterial::PrivateKey {
            writeln!(
                err,
                "keyfleet: {}: {unchecked} key(s) show no key material and could not be checked; they are not part of this rotation",
                profile.name
            )?;
        }
    }
    Ok(())
}

/// The new key as planned: its name (free where names must differ) and
/// where its private key will be.
fn planned_new_key(
    group: &KeyGroup,
    steps: &[crate::ops::rotation::AccountStep],
    source: &NewKeySource,
) -> NewKeyInfo {
    let base = group
        .names
        .first()
        .map(String::as_str)
        .unwrap_or("keyfleet-key")
        .trim();
    let date = time::OffsetDateTime::now_utc().date();
    let taken: Vec<String> = steps
        .iter()
        .filter(|step| step.stores_private_key)
        .flat_map(|step| step.names_taken.iter().cloned())
        .collect();
    let (path, algorithm) = match source {
        NewKeySource::Generate { algorithm, save } => (save.clone(), algorithm.label().to_string()),
        NewKeySource::Key(path) => (path.clone(), String::new()),
    };
    NewKeyInfo {
        name: free_name(&format!("{base}-{date}"), &taken),
        sha256: String::new(),
        public_key: String::new(),
        algorithm,
        private_key_path: path,
    }
}

/// Generates and saves (or reads) the new key; the rotation gets its
/// fingerprint and public key. `Err(exit code)` after saying why not.
fn make_new_key(
    args: &RotateArgs,
    mut rotation: Rotation,
    err: &mut dyn Write,
) -> std::io::Result<Result<Rotation, u8>> {
    let made = match &args.new_key {
        Some(NewKeySource::Generate { algorithm, save }) => {
            generate_and_save(*algorithm, save, &rotation.new.name)
        }
        Some(NewKeySource::Key(path)) => read_key(path),
        None => Err("no new key given".to_string()),
    };
    let (path, public) = match made {
        Ok(made) => made,
        Err(message) => {
            writeln!(err, "keyfleet: {message}; nothing was sent")?;
            return Ok(Err(EXIT_USAGE));
        }
    };
    rotation.new.sha256 = public.fingerprint_sha256.clone();
    rotation.new.public_key = public.openssh.clone();
    rotation.new.algorithm = public.label.to_string();
    rotation.new.private_key_path = path;
    if let Err(reason) = rotation.check() {
        writeln!(err, "keyfleet: {reason}")?;
        return Ok(Err(EXIT_USAGE));
    }
    Ok(Ok(rotation))
}

/// Generates a key and saves it (checked) at `path`, creating a missing
/// parent folder with mode 0700.
fn generate_and_save(
    algorithm: KeyAlgorithm,
    path: &Path,
    name: &str,
) -> Result<(PathBuf, crate::keys::public::ParsedPublicKey), String> {
    if let Some(folder) = path.parent()
        && !folder.exists()
    {
        create_private_folder(folder)
            .map_err(|error| format!("could not create {}: {error}", folder.display()))?;
    }
    // HCP Terraform asks for RSA keys in PEM; Ed25519 only exists as OpenSSH.
    let encoding = match algorithm {
        KeyAlgorithm::Ed25519 => PrivateKeyEncoding::OpenSsh,
        _ => PrivateKeyEncoding::Pem,
    };
    let key = generate(&GenerateRequest {
        algorithm,
        comment: name.to_string(),
        passphrase: None,
        encoding,
    })
    .map_err(|error| format!("the key could not be generated: {error}"))?;
    let saved =
        crate::keys::save::save_private_key(path, &key.private_key, &key.public.openssh, None)
            .map_err(|error| format!("the new key could not be saved: {error}"))?;
    Ok((saved.private_path, key.public))
}

fn create_private_folder(folder: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)
}

/// Reads an unencrypted private key file; its public half is the new key.
fn read_key(path: &Path) -> Result<(PathBuf, crate::keys::public::ParsedPublicKey), String> {
    let text = crate::keys::private::read_private_key_file(path).map_err(|e| e.to_string())?;
    let info = crate::keys::private::inspect_private_key(&text, None)
        .map_err(|error| format!("{}: {error}", path.display()))?;
    if info.encrypted {
        return Err(format!(
            "{} is protected by a passphrase; accounts that store the private key need it unencrypted",
            path.display()
        ));
    }
    Ok((path.to_path_buf(), info.public))
}

/// Runs the machine: the adds (new, waiting or failed ones), then with
/// `remove_old` the removes; saves the rotation after every answer.
fn advance(
    mut rotation: Rotation,
    remove_old: bool,
    profiles: &[Profile],
    context: &Context,
    store: &RotationStore,
    err: &mut dyn Write,
) -> std::io::Result<Rotation> {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            writeln!(
                err,
                "keyfleet: could not start the network runtime: {error}"
            )?;
            return Ok(rotation);
        }
    };
    let clients = runtime.block_on(clients_for(&rotation, profiles, context));
    let client_of = |id: &str| -> Result<ProviderClient, ApiError> {
        clients.get(id).cloned().unwrap_or_else(|| {
            Err(ApiError::invalid_input(
                "This account is no longer in Keyfleet.",
            ))
        })
    };
    let mut machine = Machine::new(AccountRef::all(profiles));
    let mut save_error = None;
    let mut save = |rotation: &Rotation| {
        if let Err(message) = store.save(std::slice::from_ref(rotation)) {
            save_error = Some(message);
        }
    };
    let mut actions: Vec<Action> = adding_action(&rotation).into_iter().collect();
    if remove_old {
        actions.push(Action::RemoveOld);
    }
    for action in actions {
        if action == Action::RemoveOld && !matches!(rotation.phase, Phase::Paused | Phase::Removing)
        {
            break;
        }
        let action = match (action, rotation.phase) {
            (Action::RemoveOld, Phase::Removing) if rotation.failed_count() > 0 => {
                Action::RetryFailed
            }
            (Action::RemoveOld, Phase::Removing) => Action::Continue,
            (action, _) => action,
        };
        let requests = machine.act(&mut rotation, action);
        save(&rotation);
        runtime.block_on(run::drive(
            &mut machine,
            &mut rotation,
            requests,
            &client_of,
            &mut save,
        ));
    }
    if let Some(message) = save_error {
        writeln!(err, "keyfleet: {message}")?;
    }
    Ok(rotation)
}

/// What starts (or goes on with) the add phase, if anything is left to add.
fn adding_action(rotation: &Rotation) -> Option<Action> {
    let adds_failed = rotation.included().any(|step| step.add.is_failed());
    match rotation.phase {
        Phase::Planned => Some(Action::AddNew),
        _ if adds_failed => Some(Action::RetryFailed),
        Phase::Adding => Some(Action::Continue),
        _ => None,
    }
}

/// A client for each account of the rotation (or why there is none).
async fn clients_for(
    rotation: &Rotation,
    profiles: &[Profile],
    context: &Context,
) -> HashMap<String, Result<ProviderClient, ApiError>> {
    let http = Http::new(context.http_policy.clone());
    let mut clients = HashMap::new();
    for step in rotation.included() {
        if let Some(profile) = profiles.iter().find(|p| p.id == step.profile_id) {
            let client = account_client(&http, &context.secrets, profile, None).await;
            clients.insert(profile.id.clone(), client);
        }
    }
    clients
}

#[derive(Serialize)]
struct StepJson<'a> {
    account: &'a str,
    provider: ProviderKind,
    included: bool,
    old_key_id: &'a str,
    new_key_id: Option<&'a str>,
    add: &'a StepState,
    remove: &'a StepState,
}

fn state_words(state: &StepState, pending: &str) -> String {
    match state {
        StepState::Pending => pending.to_string(),
        StepState::Done => "done".into(),
        StepState::AlreadyGone => "already gone".into(),
        StepState::Failed(_) => "failed".into(),
    }
}

/// The rotation: one row per account, as a table or JSON.
fn print_rotation(rotation: &Rotation, json: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if json {
        let steps: Vec<StepJson> = rotation
            .steps
            .iter()
            .map(|step| StepJson {
                account: &step.account,
                provider: step.provider,
                included: step.included,
                old_key_id: &step.old_key_id,
                new_key_id: step.new_key_id.as_deref(),
                add: &step.add,
                remove: &step.remove,
            })
            .collect();
        return super::terminal::write_json(
            out,
            &serde_json::json!({
                "rotation": rotation.id,
                "phase": rotation.phase,
                "old": rotation.old,
                "new": {
                    "name": rotation.new.name,
                    "sha256": rotation.new.sha256,
                    "private_key_path": rotation.new.private_key_path,
                },
                "steps": steps,
            }),
        );
    }
    writeln!(
        out,
        "Rotate {} to \"{}\" ({}), private key at {}",
        rotation.old.sha256.as_deref().unwrap_or("?"),
        rotation.new.name,
        if rotation.new.sha256.is_empty() {
            "to be made"
        } else {
            &rotation.new.sha256
        },
        rotation.new.private_key_path.display()
    )?;
    let rows: Vec<Vec<String>> = rotation
        .steps
        .iter()
        .map(|step| {
            vec![
                step.account.clone(),
                provider_name(step.provider).to_string(),
                state_words(&step.add, "to add"),
                state_words(&step.remove, "to remove"),
                step.describe(&rotation.new.name).join("; "),
            ]
        })
        .collect();
    table(
        out,
        &["ACCOUNT", "PROVIDER", "ADD", "REMOVE", "STEPS"],
        &rows,
    )
}

/// Failed steps on stderr, what to do next, and the exit code.
fn report(rotation: &Rotation, sha256: &str, err: &mut dyn Write) -> std::io::Result<u8> {
    for step in rotation.included() {
        for state in [&step.add, &step.remove] {
            if let StepState::Failed(message) = state {
                // Server wording: shown, never interpreted by the terminal.
                writeln!(
                    err,
                    "keyfleet: {}: {}",
                    super::terminal::escape(&step.account),
                    super::terminal::escape(message)
                )?;
            }
        }
    }
    match rotation.phase {
        Phase::Paused => writeln!(
            err,
            "keyfleet: the new key is in place on {} account(s) and the old key is still there. Test the new key (ssh -i {} …), then run: keyfleet rotate {sha256} --remove-old --yes",
            rotation.added_count(),
            rotation.new.private_key_path.display()
        )?,
        Phase::Done => writeln!(
            err,
            "keyfleet: rotated on {} account(s)",
            rotation.added_count()
        )?,
        _ => {}
    }
    Ok(if rotation.failed_count() > 0 {
        EXIT_ACCOUNT_FAILED
    } else {
        EXIT_OK
    })
}
