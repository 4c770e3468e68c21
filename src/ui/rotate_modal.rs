//! "Rotate…": replace a key on every account holding it without locking
//! anyone out. Steps: the new key (generated and saved here first, or a key
//! already on this computer), the plan (one row per account, tickable),
//! the add phase with a result per account, a pause to test the new key
//! ("Remove old key now" or "Later"), the remove phase, done. "Retry failed
//! steps" repeats only what failed. The scheduling is
//! `crate::ops::rotation::Machine`; this dialog draws it, forwards the user's
//! actions to it, sends the requests it asks for to the backend, feeds the
//! answers back and reports every change so the app keeps
//! `rotations.json` current.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};
use super::{error_line, labeled_password, labeled_text, success_line, warning_line};
use crate::backend::fleet::{AccountKeys, FleetSnapshot};
use crate::backend::{Backend, Command, Pending, take_answer};
use crate::inventory::local::{PairProblem, VerifiedPair, verify_key_pair};
use crate::inventory::ssh_config::SshConfigSource;
use crate::inventory::{KeyGroup, LocalKey};
use crate::keys::SecretString;
use crate::keys::file_name::{
    absolute_key_dir, ensure_key_dir, path_in_folder, remove_saved_pair, resolve_typed_path,
};
use crate::keys::generate::{GenerateRequest, GeneratedKey, KeyAlgorithm, PrivateKeyEncoding};
use crate::keys::save::SavedKey;
use crate::ops::rotation::machine::{Answer, Request};
use crate::ops::rotation::{
    AccountRef, AccountStep, Action, Machine, NewKeyInfo, OldKeyInfo, Phase, Rotation, StepState,
};
use crate::providers::RemoteKey;
use crate::store::Profile;

/// A key on this computer that can be the new key.
#[derive(Clone, Debug)]
pub struct LocalChoice {
    /// The private key file.
    pub private_key_path: PathBuf,
    /// Its public key line.
    pub public_key: String,
    /// Its fingerprint.
    pub sha256: String,
    /// Its type, as `ssh-keygen -l` names it.
    pub algorithm: String,
}

impl LocalChoice {
    /// The keys found on this computer, with a private key file beside
    /// them, that could replace `key` (never `key` itself). Each is checked
    /// as a pair only when chosen.
    pub fn from_scan(local_keys: &[LocalKey], key: &KeyGroup) -> Vec<Self> {
        local_keys
            .iter()
            .filter_map(|local| {
                let sha256 = local.sha256.clone()?;
                if key.sha256.as_deref() == Some(sha256.as_str()) {
                    return None;
                }
                Some(Self {
                    private_key_path: local.private_key_path.clone()?,
                    public_key: local.public_key.clone()?,
                    sha256,
                    algorithm: local.algorithm_label.clone().unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// The account copy a rotation starts from: the wizard finds its group in
/// an inventory built afresh, so every copy is planned whichever view the
/// rotation started from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotateTarget {
    /// The account's profile id.
    pub profile_id: String,
    /// The key's id there.
    pub key_id: String,
    /// What to call the key until its group is found.
    pub name: String,
}

/// The fresh inventory being built for a [`RotateTarget`].
#[derive(Debug)]
struct Lookup {
    target: RotateTarget,
    /// The account lists it is built from (shared with their tables), to
    /// read each copy's flags from when planning.
    accounts: Vec<AccountKeys>,
    pending: Pending<FleetSnapshot>,
}

/// "Use a key on this computer": the pair check of the chosen key, and the
/// passphrase asked for when its private key is protected by one.
#[derive(Debug, Default)]
struct LocalCheck {
    /// Typed into a masked field; used for the check only, then wiped.
    passphrase: SecretString,
    /// The chosen key needs its passphrase.
    asks_passphrase: bool,
    /// The check running off the UI thread (decrypting may take a while).
    running: Option<mpsc::Receiver<Result<VerifiedPair, PairProblem>>>,
}

/// A key pair this wizard generated and saved, and may delete again if the
/// rotation is cancelled before anything was sent.
#[derive(Clone, Debug)]
struct SavedHere {
    private_path: PathBuf,
    public_path: Option<PathBuf>,
    sha256: String,
}

/// Where the new key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Generate,
    Existing,
}

/// Which page is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    /// Building a fresh inventory to find every copy of the key.
    Looking,
    NewKey,
    Plan,
    Progress,
    /// Cancelled after the new key was saved: where it is, delete it?
    Cancelled,
}

/// One request of the machine in flight: its step and the answer to come.
#[derive(Debug)]
struct Running(usize, Pending<Answer>);

/// The new-key page's work in flight.
#[derive(Debug, Default)]
enum Making {
    #[default]
    Idle,
    Generating(Pending<Result<GeneratedKey, String>>),
    Saving(Box<PendingSave>),
}

/// A generated key being saved: the key stays in memory only until the
/// save answers (zeroized on drop).
#[derive(Debug)]
struct PendingSave {
    key: GeneratedKey,
    pending: Option<Pending<Result<Option<SavedKey>, String>>>,
}

/// The dialog's state.
#[derive(Debug)]
pub struct RotateModal {
    old: OldKeyInfo,
    /// The planned steps until the new key exists; then in `rotation`.
    steps: Vec<AccountStep>,
    rotation: Option<Rotation>,
    profiles: Vec<Profile>,
    page: Page,
    source: Source,
    algorithm: KeyAlgorithm,
    name: String,
    save_path: String,
    path_edited: bool,
    /// The absolute folder suggested save paths are in (`~/.ssh` unless
    /// another folder is scanned first); `None` when none is known.
    key_dir: Option<PathBuf>,
    /// Where the key being generated is saved (resolved when generating).
    target_path: Option<PathBuf>,
    local_choices: Vec<LocalChoice>,
    local_index: usize,
    local_check: LocalCheck,
    /// The chosen local key is protected by a passphrase.
    new_key_encrypted: bool,
    lookup: Option<Lookup>,
    saved_here: Option<SavedHere>,
    /// What deleting the cancelled rotation's key did.
    cancel_note: Option<Result<String, String>>,
    making: Making,
    machine: Machine,
    running: Vec<Running>,
    error: Option<String>,
    changed: bool,
    touched_accounts: Vec<String>,
    /// `~/.ssh/config` lines still naming the old key, on the last page.
    config_follow_up: super::host_lines::ConfigFollowUp,
    /// The optional passphrase of a generated key, typed twice (never
    /// offered when an account stores the private key itself).
    new_passphrase: SecretString,
    new_passphrase_again: SecretString,
    /// "Add to agent" was clicked on the pause page: the app opens its
    /// dialog over this one.
    add_to_agent: Option<crate::ui::UiAction>,
}

impl RotateModal {
    /// A wizard rotating the key `old` through `steps` (see
    /// [`Rotation::plan_steps`]). A generated key is saved in `key_dir`
    /// (`~/.ssh` when that is not absolute); `local_choices` are the keys on
    /// this computer that can replace it.
    pub fn new(
        old: OldKeyInfo,
        old_names: &[String],
        steps: Vec<AccountStep>,
        profiles: &[Profile],
        key_dir: PathBuf,
        local_choices: Vec<LocalChoice>,
    ) -> Self {
        let mut modal = Self::empty(old, profiles, &key_dir);
        modal.set_plan(old_names, steps, local_choices);
        modal
    }

    /// A wizard that first finds every copy of `target` in the inventory
    /// `pending` builds from `accounts` (progress: "Looking for this key on
    /// every account…"), then plans them all.
    pub fn looking_up(
        target: RotateTarget,
        profiles: &[Profile],
        key_dir: PathBuf,
        accounts: Vec<AccountKeys>,
        pending: Pending<FleetSnapshot>,
    ) -> Self {
        let old = OldKeyInfo {
            sha256: None,
            name: target.name.clone(),
        };
        let mut modal = Self::empty(old, profiles, &key_dir);
        modal.page = Page::Looking;
        modal.lookup = Some(Lookup {
            target,
            accounts,
            pending,
        });
        modal
    }

    fn empty(old: OldKeyInfo, profiles: &[Profile], key_dir: &Path) -> Self {
        Self {
            old,
            steps: Vec::new(),
            rotation: None,
            profiles: profiles.to_vec(),
            page: Page::NewKey,
            source: Source::Generate,
            algorithm: KeyAlgorithm::Ed25519,
            name: String::new(),
            save_path: String::new(),
            path_edited: false,
            key_dir: absolute_key_dir(key_dir),
            target_path: None,
            local_choices: Vec::new(),
            local_index: 0,
            local_check: LocalCheck::default(),
            new_key_encrypted: false,
            lookup: None,
            saved_here: None,
            cancel_note: None,
            making: Making::Idle,
            machine: Machine::new(AccountRef::all(profiles)),
            running: Vec::new(),
            error: None,
            changed: false,
            touched_accounts: Vec::new(),
            config_follow_up: Default::default(),
            new_passphrase: SecretString::default(),
            new_passphrase_again: SecretString::default(),
            add_to_agent: None,
        }
    }

    /// The steps, the new key's suggested name and type, and the local keys
    /// to choose from; shows the new-key page.
    fn set_plan(
        &mut self,
        old_names: &[String],
        steps: Vec<AccountStep>,
        local_choices: Vec<LocalChoice>,
    ) {
        // HCP Terraform clones with the key itself: RSA in PEM is what its
        // docs ask for. Elsewhere Ed25519 is the modern default.
        self.algorithm = if steps.iter().any(|step| step.stores_private_key) {
            KeyAlgorithm::Rsa4096
        } else {
            KeyAlgorithm::Ed25519
        };
        let base = old_names
            .first()
            .map(String::as_str)
            .unwrap_or("keyfleet-key")
            .trim();
        let date = crate::clock::now_utc().date();
        // Where keys are told apart by name, a name already taken there
        // would be a conflict: suggest the first free one.
        let taken: Vec<String> = steps
            .iter()
            .filter(|step| step.stores_private_key)
            .flat_map(|step| step.names_taken.iter().cloned())
            .collect();
        self.name = crate::ops::rotation::plan::free_name(&format!("{base}-{date}"), &taken);
        self.steps = steps;
        self.local_choices = local_choices;
        self.page = Page::NewKey;
        self.sync_path();
    }

    /// The fresh inventory arrived: plans every copy of the target's key.
    fn poll_lookup(&mut self) {
        let Some(lookup) = &mut self.lookup else {
            return;
        };
        let Some(answer) = lookup.pending.try_take() else {
            return;
        };
        let Some(lookup) = self.lookup.take() else {
            return;
        };
        let Ok(snapshot) = answer else {
            self.error = Some("Looking for the key stopped: the background worker is gone.".into());
            return;
        };
        let target = &lookup.target;
        let group = snapshot.inventory.keys.iter().find(|group| {
            group
                .accounts
                .iter()
                .any(|h| h.profile_id == target.profile_id && h.key_id == target.key_id)
        });
        let mut steps = group
            .map(|group| {
                Rotation::plan_steps(group, |profile_id, key_id| {
                    listed_key(&lookup.accounts, profile_id, key_id)
                })
            })
            .unwrap_or_default();
        crate::ops::rotation::plan::note_taken_names(&mut steps, |profile_id| {
            listed_keys(&lookup.accounts, profile_id)
        });
        match group {
            Some(group) if !steps.is_empty() => {
                self.old = OldKeyInfo::of(group);
                let old_paths = group.local_paths.iter().map(PathBuf::from).collect();
                self.config_follow_up = super::host_lines::ConfigFollowUp::new(
                    snapshot.hosts.source.clone(),
                    old_paths,
                );
                let choices = LocalChoice::from_scan(&snapshot.local_keys, group);
                self.set_plan(&group.names, steps, choices);
            }
            _ => {
                self.error = Some(format!(
                    "No loaded account lists \"{}\" any more; refresh and try again.",
                    target.name
                ));
            }
        }
    }

    /// A wizard finishing `rotation` (planned earlier, perhaps before a
    /// restart).
    pub fn resume(rotation: Rotation, profiles: &[Profile]) -> Self {
        Self {
            old: rotation.old.clone(),
            steps: Vec::new(),
            name: rotation.new.name.clone(),
            rotation: Some(rotation),
            profiles: profiles.to_vec(),
            page: Page::Progress,
            source: Source::Generate,
            algorithm: KeyAlgorithm::Ed25519,
            save_path: String::new(),
            path_edited: true,
            key_dir: None,
            target_path: None,
            local_choices: Vec::new(),
            local_index: 0,
            local_check: LocalCheck::default(),
            new_key_encrypted: false,
            lookup: None,
            saved_here: None,
            cancel_note: None,
            making: Making::Idle,
            machine: Machine::new(AccountRef::all(profiles)),
            running: Vec::new(),
            error: None,
            changed: false,
            touched_accounts: Vec::new(),
            config_follow_up: Default::default(),
            new_passphrase: SecretString::default(),
            new_passphrase_again: SecretString::default(),
            add_to_agent: None,
        }
    }

    /// Reads `~/.ssh/config` at `source` when the rotation is done, for
    /// the lines still naming the old key (a resumed rotation knows it
    /// by fingerprint only).
    pub fn with_ssh_config(mut self, source: Option<SshConfigSource>) -> Self {
        if !self.config_follow_up.has_source() {
            self.config_follow_up = super::host_lines::ConfigFollowUp::new(source, Vec::new());
        }
        self
    }

    /// The rotation, once the new key is chosen.
    pub fn rotation(&self) -> Option<&Rotation> {
        self.rotation.as_ref()
    }

    /// True while a request runs.
    pub fn is_busy(&self) -> bool {
        !self.running.is_empty()
            || !matches!(self.making, Making::Idle)
            || self.local_check.running.is_some()
    }

    /// The suggested path follows the name (sanitised, in the key folder)
    /// until the user edits the path.
    fn sync_path(&mut self) {
        if !self.path_edited {
            self.save_path = match &self.key_dir {
                Some(dir) => path_in_folder(dir, self.name.trim()).display().to_string(),
                None => String::new(),
            };
        }
    }

    /// Where "Generate and save" would save the private key, or why it
    /// cannot: the path as typed, resolved in the key folder if relative.
    fn resolved_save_path(&self) -> Result<PathBuf, String> {
        resolve_typed_path(&self.save_path, self.key_dir.as_deref())
    }

    /// Applies the answers that arrived.
    pub fn poll(&mut self, backend: &Backend) {
        self.poll_lookup();
        self.poll_local_check();
        self.poll_making(backend);
        let Some(rotation) = &mut self.rotation else {
            return;
        };
        let mut next = Vec::new();
        self.running
            .retain_mut(|Running(step, pending)| match pending.poll() {
                Some(answer) => {
                    next.extend(self.machine.answer(rotation, *step, answer));
                    if let Some(step) = rotation.steps.get(*step)
                        && !self.touched_accounts.contains(&step.profile_id)
                    {
                        self.touched_accounts.push(step.profile_id.clone());
                    }
                    self.changed = true;
                    false
                }
                None => true,
            });
        self.dispatch(next, backend);
    }

    /// Generation answered: save the key before anything else; saved:
    /// the rotation exists.
    fn poll_making(&mut self, backend: &Backend) {
        match &mut self.making {
            Making::Idle => {}
            Making::Generating(pending) => {
                let Some(answer) = pending.poll() else { return };
                match answer {
                    Ok(key) => {
                        let public_key = key.public.openssh.clone();
                        let private_key = key.private_key.clone();
                        // The save reads the key back: it needs the passphrase.
                        let passphrase = self.chosen_passphrase().ok().flatten();
                        let Some(path) = self.target_path.clone() else {
                            self.making = Making::Idle;
                            return;
                        };
                        let suggested_name = self.name.trim().to_string();
                        let pending = backend.request(|reply| Command::SavePrivateKey {
                            reply,
                            private_key,
                            public_key,
                            passphrase,
                            suggested_name,
                            path: Some(path),
                            exactly_as_received: false,
                        });
                        self.making = Making::Saving(Box::new(PendingSave {
                            key,
                            pending: Some(pending),
                        }));
                    }
                    Err(message) => {
                        self.error = Some(format!("The key could not be generated: {message}"));
                        self.making = Making::Idle;
                    }
                }
            }
            Making::Saving(save) => {
                let Some(answer) = take_answer(&mut save.pending) else {
                    return;
                };
                let public = save.key.public.clone();
                let encrypted = save.key.encrypted;
                self.making = Making::Idle;
                match answer {
                    Ok(Some(saved)) => {
                        self.saved_here = Some(SavedHere {
                            private_path: saved.private_path.clone(),
                            public_path: saved.public_path.clone(),
                            sha256: public.fingerprint_sha256.clone(),
                        });
                        self.new_key_encrypted = encrypted;
                        self.start_plan(NewKeyInfo {
                            name: self.name.trim().to_string(),
                            sha256: public.fingerprint_sha256.clone(),
                            public_key: public.openssh.clone(),
                            algorithm: public.label.to_string(),
                            private_key_path: saved.private_path,
                        });
                    }
                    Ok(None) => {
                        self.error = Some("Not saved: no rotation without a saved key.".into());
                    }
                    Err(message) => {
                        self.error = Some(format!(
                            "The new private key could not be saved, so nothing was sent: {message}"
                        ));
                    }
                }
            }
        }
    }

    fn start_plan(&mut self, new: NewKeyInfo) {
        let steps = std::mem::take(&mut self.steps);
        self.rotation = Some(Rotation::from_parts(self.old.clone(), new, steps));
        self.error = None;
        self.page = Page::Plan;
    }

    /// Forwards the user's action to the machine and sends what it asks.
    fn act(&mut self, action: Action, backend: &Backend) {
        let Some(rotation) = &mut self.rotation else {
            return;
        };
        let requests = self.machine.act(rotation, action);
        self.changed = true;
        self.dispatch(requests, backend);
    }

    /// Sends each request to the backend for its account.
    fn dispatch(&mut self, requests: Vec<Request>, backend: &Backend) {
        for request in requests {
            let Some(profile) = self
                .profiles
                .iter()
                .find(|profile| profile.id == request.profile_id)
                .cloned()
            else {
                // The machine only asks for accounts it was given.
                continue;
            };
            let effect = Box::new(request.effect);
            let pending = backend.request(|reply| Command::RotationEffect {
                reply,
                profile,
                effect,
            });
            self.running.push(Running(request.step, pending));
        }
    }

    /// Draws the dialog (polled here: a save follows its generation);
    /// sends its requests itself. A changed rotation is told to the app (to
    /// save it); on closing, the rotation as it stands (if one was started)
    /// and the accounts whose keys changed (to reload them).
    fn draw(&mut self, ctx: &egui::Context, backend: &Backend) -> Step {
        self.poll(backend);
        let mut close = false;
        let shown = ModalFrame::new("rotate_modal", 760.0).show(ctx, |ui| {
            ui.heading(format!("Rotate \"{}\"", self.old.name));
            if let Some(sha256) = &self.old.sha256 {
                ui.label(egui::RichText::new(sha256).monospace().weak());
            }
            ui.separator();
            match self.page {
                Page::Looking => close = self.looking_page(ui),
                Page::NewKey => close = self.new_key_page(ui, backend),
                Page::Plan => close = self.plan_page(ui, backend),
                Page::Progress => close = self.progress_page(ui, backend),
                Page::Cancelled => close = self.cancelled_page(ui),
            }
            if let Some(error) = &self.error {
                error_line(ui, error);
            }
        });
        if (close || shown.dismissed(false)) && !self.is_busy() {
            // A key saved for a rotation that never started is not left
            // behind unsaid: say where it is and offer to delete it.
            if self.page == Page::Plan && self.saved_here.is_some() {
                self.page = Page::Cancelled;
                return Step::Keep;
            }
            let rotation = self
                .rotation
                .take()
                .filter(|rotation| rotation.phase != Phase::Planned)
                .map(Box::new);
            let touched = std::mem::take(&mut self.touched_accounts);
            return Step::Done(Outcome::RotationClosed(rotation, touched));
        }
        if let Some(action) = self.add_to_agent.take() {
            return Step::Tell(Outcome::Run(Box::new(action)));
        }
        if std::mem::take(&mut self.changed)
            && let Some(rotation) = &self.rotation
            && rotation.phase != Phase::Planned
        {
            return Step::Tell(Outcome::RotationChanged(Box::new(rotation.clone())));
        }
        Step::Keep
    }

    /// "Looking for this key on every account…" until the fresh inventory
    /// is built. Returns true when cancelled.
    fn looking_page(&mut self, ui: &mut egui::Ui) -> bool {
        if self.lookup.is_some() {
            ui.horizontal(|ui| {
                ui.add(egui::Spinner::new());
                ui.label("Looking for this key on every account…");
            });
        }
        ui.button("Cancel").clicked()
    }

    /// Returns true when cancelled.
    fn new_key_page(&mut self, ui: &mut egui::Ui, backend: &Backend) -> bool {
        ui.strong("1. New key");
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.source, Source::Generate, "Generate a new key");
            ui.add_enabled_ui(!self.local_choices.is_empty(), |ui| {
                ui.radio_value(
                    &mut self.source,
                    Source::Existing,
                    "Use a key on this computer",
                );
            });
        });
        match self.source {
            Source::Generate => self.generate_rows(ui, backend),
            Source::Existing => self.existing_rows(ui),
        }
    }

    /// Type, name, where to save (shown in full before saving) and
    /// "Generate and save". Returns true when cancelled.
    fn generate_rows(&mut self, ui: &mut egui::Ui, backend: &Backend) -> bool {
        let busy = self.is_busy();
        ui.horizontal(|ui| {
            ui.label("Type:");
            for algorithm in [KeyAlgorithm::Ed25519, KeyAlgorithm::Rsa4096] {
                ui.radio_value(&mut self.algorithm, algorithm, algorithm_label(algorithm));
            }
        });
        if labeled_text(ui, "New key name:", &mut self.name).changed() {
            self.sync_path();
        }
        if labeled_text(ui, "Save private key as:", &mut self.save_path).changed() {
            self.path_edited = true;
        }
        self.passphrase_rows(ui);
        let resolved = self.resolved_save_path();
        match &resolved {
            Ok(path) => {
                ui.label(format!(
                    "The private key will be saved as {} (mode 0600), its public key as {}.pub.",
                    path.display(),
                    path.display()
                ));
            }
            Err(reason) => warning_line(ui, reason),
        }
        ui.weak(
            "The private key is saved and checked before anything is sent; no saved key, no rotation.",
        );
        let mut cancelled = false;
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    !busy && resolved.is_ok(),
                    egui::Button::new("Generate and save"),
                )
                .clicked()
            {
                self.generate(backend);
            }
            if busy {
                ui.add(egui::Spinner::new());
            }
            cancelled = ui.add_enabled(!busy, egui::Button::new("Cancel")).clicked();
        });
        cancelled
    }

    /// The local keys to choose from, the passphrase when the chosen one
    /// needs it, and "Use this key" (which checks the pair first). Returns
    /// true when cancelled.
    fn existing_rows(&mut self, ui: &mut egui::Ui) -> bool {
        let busy = self.is_busy();
        let labels: Vec<String> = self
            .local_choices
            .iter()
            .map(|choice| {
                format!(
                    "{} ({}, {})",
                    choice.private_key_path.display(),
                    choice.algorithm,
                    choice.sha256
                )
            })
            .collect();
        let before = self.local_index;
        egui::ComboBox::from_label("Key")
            .selected_text(labels.get(self.local_index).cloned().unwrap_or_default())
            .show_ui(ui, |ui| {
                for (index, label) in labels.iter().enumerate() {
                    ui.selectable_value(&mut self.local_index, index, label);
                }
            });
        if self.local_index != before {
            self.local_check = LocalCheck::default();
            self.error = None;
        }
        labeled_text(ui, "New key name:", &mut self.name);
        if self.local_check.asks_passphrase {
            ui.label("This private key is protected by a passphrase. Enter it so Keyfleet can check that the key file matches; it is used for this check only and never stored.");
            labeled_password(ui, "Passphrase:", self.local_check.passphrase.expose_mut());
        }
        let mut cancelled = false;
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new("Use this key"))
                .on_hover_text("Opens the private key and checks that it belongs to this public key before anything is sent")
                .clicked()
            {
                self.start_local_check(ui.ctx());
            }
            if busy {
                ui.add(egui::Spinner::new());
                ui.label("Checking the key pair…");
            }
            cancelled = ui.add_enabled(!busy, egui::Button::new("Cancel")).clicked();
        });
        cancelled
    }

    /// Checks the chosen local key as a pair off the UI thread (decrypting
    /// an encrypted key takes a moment); the passphrase is wiped once handed
    /// over.
    fn start_local_check(&mut self, ctx: &egui::Context) {
        let Some(choice) = self.local_choices.get(self.local_index).cloned() else {
            return;
        };
        self.error = None;
        let passphrase = std::mem::take(&mut self.local_check.passphrase);
        let (sender, receiver) = mpsc::channel();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let given = Some(&passphrase).filter(|p| !p.is_empty());
            let answer = verify_key_pair(&choice.private_key_path, &choice.public_key, given);
            drop(passphrase);
            let _ = sender.send(answer);
            ctx.request_repaint();
        });
        self.local_check.running = Some(receiver);
    }

    /// The pair check answered: a verified key becomes the new key; a
    /// locked one asks for its passphrase; anything else is refused.
    fn poll_local_check(&mut self) {
        let Some(receiver) = &self.local_check.running else {
            return;
        };
        let answer = match receiver.try_recv() {
            Ok(answer) => answer,
            Err(mpsc::TryRecvError::Empty) => return,
            Err(mpsc::TryRecvError::Disconnected) => Err(PairProblem::Refused(
                "Checking the key pair stopped; the key was not used.".into(),
            )),
        };
        self.local_check.running = None;
        let Some(choice) = self.local_choices.get(self.local_index).cloned() else {
            return;
        };
        match answer {
            Ok(verified) => {
                self.local_check = LocalCheck::default();
                self.new_key_encrypted = verified.encrypted;
                self.start_plan(NewKeyInfo {
                    name: self.name.trim().to_string(),
                    sha256: verified.sha256,
                    public_key: choice.public_key,
                    algorithm: choice.algorithm,
                    private_key_path: choice.private_key_path,
                });
            }
            Err(PairProblem::NeedsPassphrase) => {
                if self.local_check.asks_passphrase {
                    self.error = Some(PairProblem::NeedsPassphrase.to_string());
                }
                self.local_check.asks_passphrase = true;
            }
            Err(problem) => self.error = Some(problem.to_string()),
        }
    }

    /// An account storing the private key itself (HCP Terraform) needs
    /// it unencrypted: then no passphrase is offered.
    fn passphrase_allowed(&self) -> bool {
        !self.steps.iter().any(|step| step.stores_private_key)
    }

    /// The optional passphrase, typed twice, in masked fields.
    fn passphrase_rows(&mut self, ui: &mut egui::Ui) {
        if !self.passphrase_allowed() {
            ui.weak("No passphrase: an account here stores the private key itself and needs it unencrypted.");
            return;
        }
        labeled_password(
            ui,
            "Passphrase (optional):",
            self.new_passphrase.expose_mut(),
        );
        if !self.new_passphrase.is_empty() {
            labeled_password(
                ui,
                "Passphrase again:",
                self.new_passphrase_again.expose_mut(),
            );
        }
    }

    /// The passphrase to encrypt the new key with, if one was typed (and
    /// typed the same twice).
    fn chosen_passphrase(&self) -> Result<Option<SecretString>, String> {
        if !self.passphrase_allowed() || self.new_passphrase.is_empty() {
            return Ok(None);
        }
        if self.new_passphrase.expose() != self.new_passphrase_again.expose() {
            return Err("The two passphrases differ.".into());
        }
        Ok(Some(self.new_passphrase.clone()))
    }

    /// Resolves where to save (creating the key folder 0700 if missing),
    /// then generates; the key is saved as soon as it exists.
    fn generate(&mut self, backend: &Backend) {
        if self.name.trim().is_empty() {
            self.error = Some("Enter a name for the new key.".into());
            return;
        }
        let passphrase = match self.chosen_passphrase() {
            Ok(passphrase) => passphrase,
            Err(reason) => {
                self.error = Some(reason);
                return;
            }
        };
        let path = match self.resolved_save_path() {
            Ok(path) => path,
            Err(reason) => {
                self.error = Some(reason);
                return;
            }
        };
        if let Some(dir) = self.key_dir.as_deref().filter(|dir| path.starts_with(dir))
            && let Err(reason) = ensure_key_dir(dir)
        {
            self.error = Some(reason);
            return;
        }
        self.save_path = path.display().to_string();
        self.target_path = Some(path);
        self.error = None;
        // PEM is only for HCP Terraform, which gets no passphrase; OpenSSH's
        // own format is the one that can be encrypted.
        let encoding = if self.algorithm == KeyAlgorithm::Ed25519 || passphrase.is_some() {
            PrivateKeyEncoding::OpenSsh
        } else {
            PrivateKeyEncoding::Pem
        };
        let spec = GenerateRequest {
            algorithm: self.algorithm,
            comment: self.name.trim().to_string(),
            passphrase,
            encoding,
        };
        self.making =
            Making::Generating(backend.request(|reply| Command::GenerateLocal { reply, spec }));
    }

    /// After a cancel: the key saved for this rotation, and whether to
    /// delete it. Returns true when closed.
    fn cancelled_page(&mut self, ui: &mut egui::Ui) -> bool {
        ui.strong("Rotation cancelled");
        ui.label("Nothing was sent to any account.");
        if let Some(saved) = &self.saved_here {
            ui.label("The new key generated for this rotation is still on this computer:");
            ui.monospace(saved.private_path.display().to_string());
            if let Some(public_path) = &saved.public_path {
                ui.monospace(public_path.display().to_string());
            }
        }
        match &self.cancel_note {
            Some(Ok(note)) => success_line(ui, note),
            Some(Err(note)) => error_line(ui, note),
            None => {}
        }
        let mut closed = false;
        ui.horizontal(|ui| {
            if let Some(saved) = self.saved_here.clone() {
                if ui.button("Delete these files").clicked() {
                    let removed = remove_saved_pair(&saved.private_path, &saved.sha256);
                    if removed.is_ok() {
                        self.saved_here = None;
                    }
                    self.cancel_note = Some(removed.map(|removed| {
                        let names: Vec<String> =
                            removed.iter().map(|p| p.display().to_string()).collect();
                        format!("Deleted {}.", names.join(" and "))
                    }));
                }
                closed = ui.button("Keep them").clicked();
            } else {
                closed = ui.button("Close").clicked();
            }
        });
        closed
    }

    /// Returns true when cancelled.
    fn plan_page(&mut self, ui: &mut egui::Ui, backend: &Backend) -> bool {
        let Some(rotation) = &mut self.rotation else {
            return true;
        };
        ui.strong("2. Plan");
        ui.label(format!(
            "New key \"{}\" ({}, {}), saved at {}.",
            rotation.new.name,
            rotation.new.algorithm,
            rotation.new.sha256,
            rotation.new.private_key_path.display()
        ));
        let new_name = rotation.new.name.clone();
        egui::ScrollArea::vertical()
            .max_height(320.0)
            .show(ui, |ui| {
                egui::Grid::new("rotation_plan")
                    .num_columns(3)
                    .striped(true)
                    .spacing([12.0, 6.0])
                    .show(ui, |ui| {
                        ui.strong("Account");
                        ui.strong("Provider");
                        ui.strong("Steps");
                        ui.end_row();
                        for step in &mut rotation.steps {
                            ui.horizontal(|ui| {
                                ui.checkbox(&mut step.included, &step.account);
                                if step.matched_by_name_only {
                                    name_only_marker(ui, step);
                                }
                            });
                            ui.label(step.provider.label());
                            ui.vertical(|ui| {
                                let steps = ui.label(step.describe(&new_name).join("; "));
                                if !step.workspaces.is_empty() {
                                    steps.on_hover_text(format!(
                                        "Workspaces using the old key:\n{}",
                                        step.workspaces.join("\n")
                                    ));
                                }
                                if step.provider.capabilities().expiry {
                                    expiry_field(ui, step);
                                }
                            });
                            ui.end_row();
                        }
                    });
            });
        let check = rotation
            .check()
            .and_then(|()| encrypted_key_check(rotation, self.new_key_encrypted));
        if let Err(reason) = &check {
            warning_line(ui, reason);
        }
        let mut cancelled = false;
        ui.horizontal(|ui| {
            if ui
                .add_enabled(check.is_ok(), egui::Button::new("Add the new key"))
                .clicked()
            {
                self.page = Page::Progress;
                self.act(Action::AddNew, backend);
            }
            cancelled = ui.button("Cancel").clicked();
        });
        cancelled
    }

    /// Returns true when closed.
    fn progress_page(&mut self, ui: &mut egui::Ui, backend: &Backend) -> bool {
        let Some(rotation) = &self.rotation else {
            return true;
        };
        let busy = self.is_busy();
        let phase = rotation.phase;
        ui.strong(match phase {
            Phase::Planned | Phase::Adding => "3. Adding the new key",
            Phase::Paused => "4. Test the new key",
            Phase::Removing => "5. Removing the old key",
            Phase::Done => "Done",
        });
        progress_grid(ui, rotation, &self.machine);
        let added = rotation.added_count();
        let failed = rotation.failed_count();
        let waiting = rotation.included().any(|step| match phase {
            Phase::Adding => step.add == StepState::Pending,
            Phase::Removing => step.may_remove() && step.remove == StepState::Pending,
            _ => false,
        });
        let removable = rotation
            .included()
            .any(|step| step.may_remove() && !step.remove.is_done());
        self.phase_lines(ui, backend, added);
        if failed > 0 && !busy {
            warning_line(
                ui,
                &format!(
                    "{failed} step(s) failed. The old key stays wherever the new key was not added."
                ),
            );
        }
        let mut closed = false;
        ui.horizontal(|ui| {
            if waiting && !busy && ui.button("Continue").clicked() {
                self.act(Action::Continue, backend);
            }
            if phase == Phase::Paused
                && ui
                    .add_enabled(!busy && removable, egui::Button::new("Remove old key now"))
                    .clicked()
            {
                self.act(Action::RemoveOld, backend);
            }
            if failed > 0
                && ui
                    .add_enabled(!busy, egui::Button::new("Retry failed steps"))
                    .clicked()
            {
                self.act(Action::RetryFailed, backend);
            }
            if busy {
                ui.add(egui::Spinner::new());
            }
            let close_label = match phase {
                Phase::Done => "Close",
                _ => "Later",
            };
            closed = ui
                .add_enabled(!busy, egui::Button::new(close_label))
                .on_hover_text("Keyfleet keeps the rotation and offers to finish it later")
                .clicked();
        });
        closed
    }

    /// What the pause and the end say: how to test the new key; the
    /// `~/.ssh/config` lines still naming the old one.
    fn phase_lines(&mut self, ui: &mut egui::Ui, backend: &Backend, added: usize) {
        let Some(rotation) = &self.rotation else {
            return;
        };
        let phase = rotation.phase;
        let new_path = rotation.new.private_key_path.clone();
        match phase {
            Phase::Paused => {
                ui.label(format!(
                    "The new key is in place on {added} account(s); the old key is still there. Test the new key before removing the old one, e.g. ssh -i {} …",
                    new_path.display()
                ));
                add_to_agent_button(ui, rotation, &mut self.add_to_agent);
            }
            Phase::Done => {
                success_line(
                    ui,
                    &format!(
                        "Rotated on {added} account(s): the new key is in place and the old key is gone."
                    ),
                );
                let old_sha256 = self.old.sha256.clone();
                self.config_follow_up
                    .show(ui, backend, old_sha256.as_deref(), &new_path);
            }
            _ => {}
        }
    }
}

/// The pause page's "Add to agent…" for the rotation's new key (its saved
/// private key file): a click leaves the action in `clicked` for the app.
fn add_to_agent_button(
    ui: &mut egui::Ui,
    rotation: &Rotation,
    clicked: &mut Option<crate::ui::UiAction>,
) {
    if ui
        .button("🔑 Add to agent…")
        .on_hover_text("Load the new key into the ssh-agent, so ssh can use it at once")
        .clicked()
    {
        *clicked = Some(crate::ui::UiAction::OpenAddToAgent {
            name: rotation.new.name.clone(),
            path: rotation.new.private_key_path.clone(),
        });
    }
}

/// "matched by name only" beside a plan row's tick box, with the reason.
fn name_only_marker(ui: &mut egui::Ui, step: &AccountStep) {
    ui.colored_label(ui.visuals().warn_fg_color, "⚠ matched by name only")
        .on_hover_text(format!(
            "{} shows no public key for \"{}\": Keyfleet linked it to this key only because a private key file on this computer has the same name, so it may be another key. It is left out unless you tick it.",
            step.provider.label(),
            step.old_key_name
        ));
}

/// Accounts that store the private key itself need it without a
/// passphrase: an encrypted new key cannot go there.
fn encrypted_key_check(rotation: &Rotation, encrypted: bool) -> Result<(), String> {
    match rotation.included().find(|step| step.stores_private_key) {
        Some(step) if encrypted => Err(format!(
            "{}: this account stores the private key itself and cannot use one protected by a passphrase; untick it or choose another key.",
            step.account
        )),
        _ => Ok(()),
    }
}

/// The listed key `key_id` of account `profile_id` in `accounts`.
fn listed_key<'a>(
    accounts: &'a [AccountKeys],
    profile_id: &str,
    key_id: &str,
) -> Option<&'a RemoteKey> {
    listed_keys(accounts, profile_id)?
        .iter()
        .find(|key| key.id == key_id)
}

/// The keys `profile_id`'s account listed, when it listed them.
fn listed_keys<'a>(accounts: &'a [AccountKeys], profile_id: &str) -> Option<&'a [RemoteKey]> {
    let (_, keys) = accounts
        .iter()
        .find(|(profile, _)| profile.id == profile_id)?;
    Some(keys.as_ref().ok()?.as_slice())
}

fn algorithm_label(algorithm: KeyAlgorithm) -> &'static str {
    match algorithm {
        KeyAlgorithm::Rsa4096 => "RSA 4096 (PEM)",
        other => other.label(),
    }
}

/// One row per account: what the add and the remove did.
fn progress_grid(ui: &mut egui::Ui, rotation: &Rotation, machine: &Machine) {
    egui::ScrollArea::vertical()
        .max_height(320.0)
        .show(ui, |ui| {
            egui::Grid::new("rotation_progress")
                .num_columns(3)
                .striped(true)
                .spacing([12.0, 6.0])
                .show(ui, |ui| {
                    ui.strong("Account");
                    ui.strong("Add new key");
                    ui.strong("Remove old key");
                    ui.end_row();
                    for (index, step) in rotation.steps.iter().enumerate() {
                        ui.label(&step.account);
                        if !step.included {
                            ui.weak("not in this rotation");
                            ui.weak("—");
                            ui.end_row();
                            continue;
                        }
                        let (adding, removing) = machine.step_busy(index);
                        state_cell(ui, &step.add, adding, "✔ added", "to add");
                        if step.add.is_failed() {
                            ui.weak("kept (the add failed)");
                        } else {
                            state_cell(ui, &step.remove, removing, "✔ removed", "to remove");
                        }
                        ui.end_row();
                    }
                });
        });
}

fn state_cell(ui: &mut egui::Ui, state: &StepState, running: bool, done: &str, pending: &str) {
    if running {
        ui.add(egui::Spinner::new());
        return;
    }
    match state {
        StepState::Pending => {
            ui.weak(pending);
        }
        StepState::Done => success_line(ui, done),
        StepState::AlreadyGone => success_line(ui, "already gone (deleted elsewhere)"),
        StepState::Failed(message) => error_line(ui, &format!("failed: {message}")),
    }
}

/// "N rotation(s) waiting to finish" with a button per rotation; nothing
/// when none waits.
pub fn waiting_notice(
    ui: &mut egui::Ui,
    waiting: &[(String, String)],
    actions: &mut Vec<super::UiAction>,
) {
    if waiting.is_empty() {
        return;
    }
    let count = waiting.len();
    warning_line(
        ui,
        &format!(
            "{count} rotation{} waiting to finish",
            if count == 1 { "" } else { "s" }
        ),
    );
    for (id, name) in waiting {
        if ui
            .small_button(format!("Finish rotating \"{name}\"…"))
            .clicked()
        {
            actions.push(super::UiAction::ResumeRotation(id.clone()));
        }
    }
}

impl Modal for RotateModal {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        self.draw(ctx, cx.backend)
    }

    fn layer(&self) -> Layer {
        Layer::Dialog
    }
}

/// The new key's expiry date on one account (`YYYY-MM-DD`, empty = never),
/// planned as the old key's lifetime and editable here.
fn expiry_field(ui: &mut egui::Ui, step: &mut crate::ops::rotation::AccountStep) {
    ui.horizontal(|ui| {
        let label = ui.label("New key expires on:");
        let mut text = step.expires_at.clone().unwrap_or_default();
        let edited = ui
            .add(
                egui::TextEdit::singleline(&mut text)
                    .hint_text("YYYY-MM-DD, empty = never")
                    .desired_width(120.0),
            )
            .labelled_by(label.id)
            .on_hover_text("Planned as the old key's lifetime from today; leave empty for a key that never expires");
        if edited.changed() {
            let text = text.trim();
            step.expires_at = (!text.is_empty()).then(|| text.to_string());
        }
    });
}
