//! "Rotate…": replace a key on every account holding it without locking
//! anyone out. Steps: the new key (generated and saved here first, or a key
//! already on this computer), the plan (one row per account, tickable),
//! the add phase with a result per account, a pause to test the new key
//! ("Remove old key now" or "Later"), the remove phase, done. "Retry failed
//! steps" repeats only what failed. The scheduling is
//! `crate::rotation::Machine`; this dialog draws it, forwards the user's
//! actions to it, sends the requests it asks for to the backend, feeds the
//! answers back and reports every change so the app keeps
//! `rotations.json` current.

use std::path::PathBuf;

use super::{error_line, labeled_text, success_line, warning_line};
use crate::backend::{Backend, Command, Pending, take_answer};
use crate::keys::generate::{GenerateRequest, GeneratedKey, KeyAlgorithm, PrivateKeyEncoding};
use crate::keys::save::SavedKey;
use crate::rotation::machine::{Answer, Request};
use crate::rotation::{
    AccountRef, AccountStep, Action, Machine, NewKeyInfo, OldKeyInfo, Phase, Rotation, StepState,
};
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

/// Where the new key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Generate,
    Existing,
}

/// Which page is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    NewKey,
    Plan,
    Progress,
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
    key_dir: PathBuf,
    local_choices: Vec<LocalChoice>,
    local_index: usize,
    making: Making,
    machine: Machine,
    running: Vec<Running>,
    error: Option<String>,
    changed: bool,
    touched_accounts: Vec<String>,
}

/// What happened this frame.
#[derive(Debug)]
pub enum RotateResult {
    /// Keep showing.
    Open,
    /// Keep showing; the rotation changed (save it).
    Changed(Box<Rotation>),
    /// Closed: the rotation as it stands (if one was started) and the
    /// accounts whose keys changed (reload them).
    Closed(Option<Box<Rotation>>, Vec<String>),
}

impl RotateModal {
    /// A wizard rotating the key `old` through `steps` (see
    /// [`Rotation::plan_steps`]). A generated key is saved in `key_dir`;
    /// `local_choices` are the keys on this computer that can replace it.
    pub fn new(
        old: OldKeyInfo,
        old_names: &[String],
        steps: Vec<AccountStep>,
        profiles: &[Profile],
        key_dir: PathBuf,
        local_choices: Vec<LocalChoice>,
    ) -> Self {
        // HCP Terraform clones with the key itself: RSA in PEM is what its
        // docs ask for. Elsewhere Ed25519 is the modern default.
        let algorithm = if steps.iter().any(|step| step.stores_private_key) {
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
        let name = crate::rotation::plan::free_name(&format!("{base}-{date}"), &taken);
        let mut modal = Self {
            old,
            steps,
            rotation: None,
            profiles: profiles.to_vec(),
            page: Page::NewKey,
            source: Source::Generate,
            algorithm,
            name,
            save_path: String::new(),
            path_edited: false,
            key_dir,
            local_choices,
            local_index: 0,
            making: Making::Idle,
            machine: Machine::new(AccountRef::all(profiles)),
            running: Vec::new(),
            error: None,
            changed: false,
            touched_accounts: Vec::new(),
        };
        modal.sync_path();
        modal
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
            key_dir: PathBuf::new(),
            local_choices: Vec::new(),
            local_index: 0,
            making: Making::Idle,
            machine: Machine::new(AccountRef::all(profiles)),
            running: Vec::new(),
            error: None,
            changed: false,
            touched_accounts: Vec::new(),
        }
    }

    /// The rotation, once the new key is chosen.
    pub fn rotation(&self) -> Option<&Rotation> {
        self.rotation.as_ref()
    }

    /// True while a request runs.
    pub fn is_busy(&self) -> bool {
        !self.running.is_empty() || !matches!(self.making, Making::Idle)
    }

    fn sync_path(&mut self) {
        if !self.path_edited {
            self.save_path = self.key_dir.join(self.name.trim()).display().to_string();
        }
    }

    /// Applies the answers that arrived.
    pub fn poll(&mut self, backend: &Backend) {
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
                        let path = PathBuf::from(self.save_path.trim());
                        let suggested_name = self.name.trim().to_string();
                        let pending = backend.request(|reply| Command::SavePrivateKey {
                            reply,
                            private_key,
                            public_key,
                            passphrase: None,
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
                self.making = Making::Idle;
                match answer {
                    Ok(Some(saved)) => self.start_plan(NewKeyInfo {
                        name: self.name.trim().to_string(),
                        sha256: public.fingerprint_sha256.clone(),
                        public_key: public.openssh.clone(),
                        algorithm: public.label.to_string(),
                        private_key_path: saved.private_path,
                    }),
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

    /// Draws the dialog; sends its requests itself.
    pub fn show(&mut self, ctx: &egui::Context, backend: &Backend) -> RotateResult {
        self.poll(backend);
        let mut close = false;
        let modal = egui::Modal::new(egui::Id::unique("rotate_modal")).show(ctx, |ui| {
            ui.set_width(760.0);
            ui.heading(format!("Rotate \"{}\"", self.old.name));
            if let Some(sha256) = &self.old.sha256 {
                ui.label(egui::RichText::new(sha256).monospace().weak());
            }
            ui.separator();
            match self.page {
                Page::NewKey => close = self.new_key_page(ui, backend),
                Page::Plan => close = self.plan_page(ui, backend),
                Page::Progress => close = self.progress_page(ui, backend),
            }
            if let Some(error) = &self.error {
                error_line(ui, error);
            }
        });
        if (close || modal.should_close()) && !self.is_busy() {
            let rotation = self
                .rotation
                .take()
                .filter(|rotation| rotation.phase != Phase::Planned)
                .map(Box::new);
            return RotateResult::Closed(rotation, std::mem::take(&mut self.touched_accounts));
        }
        if std::mem::take(&mut self.changed)
            && let Some(rotation) = &self.rotation
            && rotation.phase != Phase::Planned
        {
            return RotateResult::Changed(Box::new(rotation.clone()));
        }
        RotateResult::Open
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
        let busy = self.is_busy();
        let mut cancelled = false;
        match self.source {
            Source::Generate => {
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
                ui.weak(
                    "The private key is saved and checked before anything is sent; no saved key, no rotation.",
                );
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(!busy, egui::Button::new("Generate and save"))
                        .clicked()
                    {
                        self.generate(backend);
                    }
                    if busy {
                        ui.add(egui::Spinner::new());
                    }
                    cancelled = ui.add_enabled(!busy, egui::Button::new("Cancel")).clicked();
                });
            }
            Source::Existing => {
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
                egui::ComboBox::from_label("Key")
                    .selected_text(labels.get(self.local_index).cloned().unwrap_or_default())
                    .show_ui(ui, |ui| {
                        for (index, label) in labels.iter().enumerate() {
                            ui.selectable_value(&mut self.local_index, index, label);
                        }
                    });
                labeled_text(ui, "New key name:", &mut self.name);
                ui.horizontal(|ui| {
                    if ui.button("Use this key").clicked()
                        && let Some(choice) = self.local_choices.get(self.local_index).cloned()
                    {
                        self.start_plan(NewKeyInfo {
                            name: self.name.trim().to_string(),
                            sha256: choice.sha256,
                            public_key: choice.public_key,
                            algorithm: choice.algorithm,
                            private_key_path: choice.private_key_path,
                        });
                    }
                    cancelled = ui.button("Cancel").clicked();
                });
            }
        }
        cancelled
    }

    fn generate(&mut self, backend: &Backend) {
        if self.name.trim().is_empty() || self.save_path.trim().is_empty() {
            self.error = Some("Enter a name and where to save the private key.".into());
            return;
        }
        self.error = None;
        let encoding = if self.algorithm == KeyAlgorithm::Ed25519 {
            PrivateKeyEncoding::OpenSsh
        } else {
            PrivateKeyEncoding::Pem
        };
        let spec = GenerateRequest {
            algorithm: self.algorithm,
            comment: self.name.trim().to_string(),
            passphrase: None,
            encoding,
        };
        self.making =
            Making::Generating(backend.request(|reply| Command::GenerateLocal { reply, spec }));
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
                            ui.checkbox(&mut step.included, &step.account);
                            ui.label(step.provider.label());
                            let steps = ui.label(step.describe(&new_name).join("; "));
                            if !step.workspaces.is_empty() {
                                steps.on_hover_text(format!(
                                    "Workspaces using the old key:\n{}",
                                    step.workspaces.join("\n")
                                ));
                            }
                            ui.end_row();
                        }
                    });
            });
        let check = rotation.check();
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
        match phase {
            Phase::Paused => {
                ui.label(format!(
                    "The new key is in place on {added} account(s); the old key is still there. Test the new key before removing the old one, e.g. ssh -i {} …",
                    rotation.new.private_key_path.display()
                ));
            }
            Phase::Done => success_line(
                ui,
                &format!(
                    "Rotated on {added} account(s): the new key is in place and the old key is gone."
                ),
            ),
            _ => {}
        }
        if failed > 0 && !busy {
            warning_line(
                ui,
                &format!(
                    "{failed} step(s) failed. The old key stays wherever the new key was not added."
                ),
            );
        }
        let removable = rotation
            .included()
            .any(|step| step.may_remove() && !step.remove.is_done());
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
