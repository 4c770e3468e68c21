//! Publish one key to several accounts: tick accounts, see (and change)
//! the name each will get under its provider's rules, send one create per
//! account, and see a result per account: added, already there (the
//! account was listed first and holds a key with this fingerprint, so
//! nothing was sent), or failed with its error.

use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};
use super::{error_line, success_line};
use crate::backend::{Backend, Command, Pending};
use crate::inventory::KeyGroup;
use crate::ops::publish::PublishOutcome;
use crate::providers::{ApiError, KeyScope, NewKey, NewKeyMaterial, RemoteKey};
use crate::store::Profile;

/// One account the key can go to.
#[derive(Debug)]
pub struct Target {
    /// The account.
    pub profile: Profile,
    /// Ticked by the user.
    pub ticked: bool,
    /// The name the key gets there.
    pub name: String,
    /// Why the key cannot go there at all (wrong material, refused type).
    pub unavailable: Option<String>,
    /// The inventory says the account already holds it.
    pub holds_it: bool,
    /// The expiry date typed for it (`YYYY-MM-DD`, empty = never), where
    /// its provider has expiry.
    pub expires: String,
    /// What happened when sent.
    pub state: TargetState,
}

/// A target's progress.
#[derive(Debug, Default)]
pub enum TargetState {
    /// Not sent.
    #[default]
    Idle,
    /// Sent; awaiting the answer.
    Sending(Pending<Result<(PublishOutcome, RemoteKey), ApiError>>),
    /// Done: added, or already there.
    Done(PublishOutcome, Box<RemoteKey>),
    /// The request failed.
    Failed(ApiError),
}

/// The dialog's state.
#[derive(Debug)]
pub struct PublishModal {
    /// What the key is called in the title.
    pub title: String,
    /// Its fingerprint.
    pub sha256: String,
    /// Its OpenSSH public key line.
    public_key: String,
    /// Every account, in the accounts list's order.
    pub targets: Vec<Target>,
}

impl PublishModal {
    /// A dialog publishing `key` (whose OpenSSH line is `public_key`) to any
    /// of `profiles`.
    pub fn new(key: &KeyGroup, public_key: String, profiles: &[Profile]) -> Self {
        let default_name = key
            .names
            .first()
            .cloned()
            .unwrap_or_else(|| local_stem(key).unwrap_or_else(|| "keyfleet-key".into()));
        let targets = profiles
            .iter()
            .map(|profile| {
                let provider = profile.provider();
                let unavailable = provider
                    .check_public_key(&public_key)
                    .err()
                    .map(|err| err.message);
                Target {
                    name: default_name.clone(),
                    ticked: false,
                    holds_it: key.accounts.iter().any(|h| h.profile_id == profile.id),
                    expires: String::new(),
                    unavailable,
                    profile: profile.clone(),
                    state: TargetState::Idle,
                }
            })
            .collect();
        Self {
            title: key.display_name(),
            sha256: key.sha256.clone().unwrap_or_default(),
            public_key,
            targets,
        }
    }

    /// True while a create is in flight.
    pub fn is_busy(&self) -> bool {
        self.targets
            .iter()
            .any(|target| matches!(target.state, TargetState::Sending(_)))
    }

    /// Applies the answers that arrived.
    fn take_answers(&mut self) {
        for target in &mut self.targets {
            if let TargetState::Sending(pending) = &mut target.state
                && let Some(answer) = pending.poll()
            {
                target.state = match answer {
                    Ok((outcome, key)) => TargetState::Done(outcome, Box::new(key)),
                    Err(err) => TargetState::Failed(err),
                };
            }
        }
    }

    /// Sends one create to every ticked account not done yet (the failed
    /// ones again on a retry).
    pub fn send(&mut self, backend: &Backend) {
        for target in &mut self.targets {
            let sendable = target.ticked
                && target.unavailable.is_none()
                && matches!(target.state, TargetState::Idle | TargetState::Failed(_));
            if !sendable {
                continue;
            }
            let name = target.name.trim().to_string();
            if let Err(err) = target.profile.provider().validate_key_name(&name) {
                target.state = TargetState::Failed(err);
                continue;
            }
            let expires_at = match expiry_of(target) {
                Ok(expires_at) => expires_at,
                Err(message) => {
                    target.state = TargetState::Failed(ApiError::invalid_input(message));
                    continue;
                }
            };
            let new_key = NewKey {
                name,
                material: NewKeyMaterial::PublicKey(self.public_key.clone()),
                shared_in_project: true,
                scope: KeyScope::Account,
                expires_at,
            };
            let (profile, sha256) = (target.profile.clone(), self.sha256.clone());
            target.state = TargetState::Sending(backend.request(|reply| Command::PublishKey {
                reply,
                profile,
                new_key,
                sha256,
            }));
        }
    }

    fn added_keys(&self) -> Vec<(String, RemoteKey)> {
        self.targets
            .iter()
            .filter_map(|target| match &target.state {
                TargetState::Done(PublishOutcome::Added, key) => {
                    Some((target.profile.id.clone(), (**key).clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Draws the dialog; sends the creates itself. On closing, the key was
    /// added to the accounts of [`Outcome::Published`], as created there.
    fn draw(&mut self, ctx: &egui::Context, backend: &Backend) -> Step {
        let mut close = false;
        let shown = ModalFrame::new("publish_modal", 720.0).show(ctx, |ui| {
            ui.heading(format!("Publish \"{}\"", self.title));
            super::form::grid(ui, "publish_fields", |ui| {
                super::form::row(ui, "Fingerprint:", |ui, _| ui.label(egui::RichText::new(&self.sha256).monospace()));
            });
            ui.label("Tick the accounts to add this public key to. Each account's provider has its own name rules: the name each will get is shown before anything is sent.");
            ui.add_space(4.0);
            let locked = self.is_busy();
            egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
                // Rows laid out in one pass (a grid sizes rows from the
                // previous frame, so a wrapped error overlapped the next row).
                for target in &mut self.targets {
                    ui.horizontal_top(|ui| target_row(ui, target, locked));
                    ui.add_space(4.0);
                }
            });
            ui.add_space(6.0);
            let ready = self.targets.iter().filter(|t| {
                t.ticked
                    && t.unavailable.is_none()
                    && matches!(t.state, TargetState::Idle | TargetState::Failed(_))
            });
            let count = ready.count();
            let any_failed = self
                .targets
                .iter()
                .any(|t| matches!(t.state, TargetState::Failed(_)));
            ui.horizontal(|ui| {
                let label = if any_failed {
                    format!("Retry {count} account(s)")
                } else {
                    format!("Publish to {count} account(s)")
                };
                if ui
                    .add_enabled(count > 0 && !locked, egui::Button::new(label))
                    .clicked()
                {
                    self.send(backend);
                }
                if locked {
                    ui.add(egui::Spinner::new());
                }
                if ui
                    .add_enabled(!locked, egui::Button::new("Close"))
                    .clicked()
                {
                    close = true;
                }
            });
        });
        if (close || shown.dismissed(false)) && !self.is_busy() {
            return Step::Done(Outcome::Published(self.added_keys()));
        }
        Step::Keep
    }
}

/// The expiry date typed for `target`; none where its provider has no
/// expiry. "Today" comes from the project's clock.
fn expiry_of(target: &Target) -> Result<Option<time::Date>, String> {
    if !target.profile.provider().capabilities().expiry {
        return Ok(None);
    }
    let today = crate::clock::now_utc().date();
    crate::ops::publish::parse_expiry(&target.expires, today)
}

/// Width of the account column.
const ACCOUNT_WIDTH: f32 = 200.0;
/// Width of the name column.
const NAME_WIDTH: f32 = 230.0;
/// Width of the result column.
const STATUS_WIDTH: f32 = 340.0;

fn target_row(ui: &mut egui::Ui, target: &mut Target, locked: bool) {
    let provider = target.profile.provider();
    let editable = !locked
        && target.unavailable.is_none()
        && matches!(target.state, TargetState::Idle | TargetState::Failed(_));
    column(ui, ACCOUNT_WIDTH, |ui| {
        ui.add_enabled(
            editable,
            egui::Checkbox::new(&mut target.ticked, &target.profile.name),
        )
        .on_hover_text(provider.label());
    });
    column(ui, NAME_WIDTH, |ui| match &target.unavailable {
        Some(_) => {
            ui.weak(provider.label());
        }
        None => {
            let label = ui.label("Name:");
            ui.add_enabled(
                editable,
                egui::TextEdit::singleline(&mut target.name).desired_width(NAME_WIDTH - 60.0),
            )
            .labelled_by(label.id)
            .on_hover_text(format!("The key's name on {}", target.profile.name));
            if provider.capabilities().expiry {
                let label = ui.label("Expires:");
                ui.add_enabled(
                    editable,
                    egui::TextEdit::singleline(&mut target.expires)
                        .hint_text("YYYY-MM-DD, empty = never")
                        .desired_width(NAME_WIDTH - 60.0),
                )
                .labelled_by(label.id)
                .on_hover_text("The date the provider stops accepting the key; leave empty for a key that never expires");
            }
        }
    });
    // A fixed width, so a long error wraps instead of widening the dialog
    // past the window.
    column(ui, STATUS_WIDTH, |ui| match &target.unavailable {
        Some(reason) => {
            ui.weak(reason);
        }
        None => status(ui, target, provider),
    });
}

/// A column of a target row: exactly `width` wide, its text wrapping.
fn column(ui: &mut egui::Ui, width: f32, add: impl FnOnce(&mut egui::Ui)) {
    ui.allocate_ui_with_layout(
        egui::vec2(width, 0.0),
        egui::Layout::left_to_right(egui::Align::Min).with_main_wrap(true),
        |ui| {
            ui.set_width(width);
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
            add(ui);
        },
    );
}

/// The result column of one account: what will happen, or what did.
fn status(ui: &mut egui::Ui, target: &Target, provider: crate::providers::ProviderKind) {
    match &target.state {
        TargetState::Idle => {
            if let Err(err) = provider.validate_key_name(target.name.trim()) {
                error_line(ui, &err.message);
            } else if target.holds_it {
                ui.weak("already holds this key");
            } else if let Err(message) = expiry_of(target) {
                error_line(ui, &message);
            } else if target.ticked {
                ui.label(format!("will be added as \"{}\"", target.name.trim()));
            }
        }
        TargetState::Sending(_) => {
            ui.add(egui::Spinner::new());
            ui.label("sending…");
        }
        TargetState::Done(PublishOutcome::Added, key) => {
            success_line(ui, &format!("✔ added as \"{}\" ({})", key.name, key.id));
        }
        TargetState::Done(PublishOutcome::AlreadyThere, key) => {
            ui.label(format!(
                "already there as \"{}\" ({}): not added again",
                key.name, key.id
            ));
        }
        TargetState::Failed(err) => {
            error_line(ui, &format!("failed: {}", err.message));
        }
    }
}

/// A local key's file name without `.pub`.
fn local_stem(key: &KeyGroup) -> Option<String> {
    let path = std::path::Path::new(key.local_paths.first()?);
    let name = path.file_name()?.to_string_lossy();
    Some(name.strip_suffix(".pub").unwrap_or(&name).to_string())
}

impl Modal for PublishModal {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        self.draw(ctx, cx.backend)
    }

    fn poll(&mut self) -> Step {
        self.take_answers();
        Step::Keep
    }

    fn layer(&self) -> Layer {
        Layer::Dialog
    }
}
