//! The rotation as a pure state machine: plan → add → paused → remove →
//! done, one chain of requests per account, fed by the provider's answers.
//!
//! [`Machine`] decides; it does no I/O. Whoever runs it (the wizard through
//! the backend, `keyfleet rotate`, the model test's in-memory accounts)
//! performs each [`Request`] it hands out and feeds the answer back with
//! [`Machine::answer`], which returns the step's next request, if any. The
//! persisted state is the [`Rotation`] (step results, the new key's id as
//! soon as it exists); what a step is waiting for is not persisted, so a
//! machine re-created from the stored rotation starts each unfinished step
//! again from the server's state.
//!
//! Identity rules: a key is found by id plus fingerprint (HCP Terraform,
//! which lists no key material: by id plus the recorded name), never by a
//! name alone. The new key on HCP Terraform is only ever the id this
//! rotation created and recorded; a key already carrying the planned name
//! is a conflict. Before deleting, the old key is read at its id and must
//! still be the old key. A step whose account moved (another base URL,
//! project or organization) is refused, not acted on.

use crate::providers::terraform::Workspace;
use crate::providers::{ApiError, ApiErrorKind, KeyScope, RemoteKey};
use crate::store::Profile;

pub use super::plan::AccountOrigin;
use super::plan::{AccountStep, Phase, Rotation, StepState};

/// An account the machine may reach now: its profile id and origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRef {
    /// The profile id.
    pub profile_id: String,
    /// Where it is now.
    pub origin: AccountOrigin,
}

impl AccountRef {
    /// The accounts of `profiles`.
    pub fn all(profiles: &[Profile]) -> Vec<Self> {
        profiles
            .iter()
            .map(|profile| Self {
                profile_id: profile.id.clone(),
                origin: AccountOrigin::of(profile),
            })
            .collect()
    }
}

/// Ties every step of a rotation not started yet to its account as it is
/// now (a step already tied keeps its origin).
pub fn tie_to_accounts(steps: &mut [AccountStep], accounts: &[AccountRef]) {
    for step in steps.iter_mut().filter(|step| step.origin.is_none()) {
        if let Some(account) = accounts.iter().find(|a| a.profile_id == step.profile_id) {
            step.origin = Some(account.origin.clone());
        }
    }
}

/// What the new key is made of, for a create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreateMaterial {
    /// An OpenSSH public key line.
    PublicKey(String),
    /// The private key saved at this path, which must still have this
    /// fingerprint when it is read (HCP Terraform stores private keys).
    PrivateKeyFile {
        /// The saved file.
        path: std::path::PathBuf,
        /// Its `SHA256:…` fingerprint.
        sha256: String,
    },
}

/// One request to one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// List the account's keys.
    ListKeys,
    /// Create the new key (never retried by the transport).
    Create {
        /// Its name.
        name: String,
        /// Its material.
        material: CreateMaterial,
        /// Gcore: shared in the project.
        shared_in_project: bool,
        /// Where it goes.
        scope: KeyScope,
        /// When it expires (providers with expiry); `None`: never.
        expires_at: Option<time::Date>,
    },
    /// Set Gcore's "shared in project" on `key`.
    SetShared {
        /// The key, as listed.
        key: RemoteKey,
        /// The wanted value.
        shared: bool,
    },
    /// Replace `key`'s labels with `labels` (Hetzner Cloud: the old key's
    /// labels, so a rotation does not drop them).
    SetLabels {
        /// The key, as created.
        key: RemoteKey,
        /// The labels it gets.
        labels: std::collections::BTreeMap<String, String>,
    },
    /// Make `key` the account's default (Sesterce).
    MakeDefault {
        /// The key, as listed.
        key: RemoteKey,
    },
    /// List the HCP Terraform workspaces.
    ListWorkspaces,
    /// Point a workspace at a key.
    AssignWorkspace {
        /// `ws-…`.
        workspace_id: String,
        /// `sshkey-…`.
        key_id: String,
    },
    /// Delete `key` (read at its id just before and checked to be the old
    /// key).
    Delete {
        /// The key, as listed.
        key: RemoteKey,
    },
}

/// What the account answered to an [`Effect`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// [`Effect::ListKeys`].
    Keys(Vec<RemoteKey>),
    /// [`Effect::Create`]: the key as stored.
    Created(Box<RemoteKey>),
    /// [`Effect::ListWorkspaces`].
    Workspaces(Vec<Workspace>),
    /// Any other effect succeeded.
    Done,
}

/// A provider's answer, or why there is none.
pub type Answer = Result<Reply, ApiError>;

/// One effect for the account of step `step`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The step's index in [`Rotation::steps`].
    pub step: usize,
    /// The account's profile id.
    pub profile_id: String,
    /// What to do there.
    pub effect: Effect,
}

/// What the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Start the add phase ("Add the new key").
    AddNew,
    /// Start the remove phase ("Remove old key now").
    RemoveOld,
    /// Run failed steps again: failed adds first, else failed removes.
    RetryFailed,
    /// Send the current phase's steps that have not run (after a restart).
    Continue,
}

/// After the workspaces are on the new key: finish the add, or go on to
/// read the old key and delete it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AfterMove {
    FinishAdd,
    ReadOld,
}

/// What a step waits for (not persisted).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
enum Stage {
    #[default]
    Idle,
    AddListing,
    Creating,
    /// The create failed: list to see whether the key is there anyway.
    CreateCheck(ApiError),
    Labelling(Box<RemoteKey>),
    Sharing(Box<RemoteKey>),
    Defaulting,
    WorkspacesListing(AfterMove),
    Assigning(AfterMove, Vec<String>),
    WorkspacesChecking(AfterMove),
    RemoveListing,
    ReadingOld,
    Deleting,
}

impl Stage {
    fn removing(&self) -> bool {
        matches!(
            self,
            Self::RemoveListing
                | Self::ReadingOld
                | Self::Deleting
                | Self::WorkspacesListing(AfterMove::ReadOld)
                | Self::Assigning(AfterMove::ReadOld, _)
                | Self::WorkspacesChecking(AfterMove::ReadOld)
        )
    }
}

/// The scheduler of one rotation: which step waits for what. The
/// [`Rotation`] it drives is passed to each call, so the caller keeps and
/// saves it.
#[derive(Clone, Debug, Default)]
pub struct Machine {
    stages: Vec<Stage>,
    accounts: Vec<AccountRef>,
}

/// How a step's chain went on after an answer.
type Next = Option<Effect>;

impl Machine {
    /// A machine reaching `accounts` (the profiles as they are now).
    pub fn new(accounts: Vec<AccountRef>) -> Self {
        Self {
            stages: Vec::new(),
            accounts,
        }
    }

    /// The accounts changed (an account was edited or removed).
    pub fn set_accounts(&mut self, accounts: Vec<AccountRef>) {
        self.accounts = accounts;
    }

    /// True while any request is out.
    pub fn busy(&self) -> bool {
        self.stages.iter().any(|stage| *stage != Stage::Idle)
    }

    /// Whether step `index` waits for an add answer and for a remove one.
    pub fn step_busy(&self, index: usize) -> (bool, bool) {
        match self.stages.get(index) {
            None | Some(Stage::Idle) => (false, false),
            Some(stage) => (!stage.removing(), stage.removing()),
        }
    }

    /// Does what the user asked; returns the requests to send.
    pub fn act(&mut self, rotation: &mut Rotation, action: Action) -> Vec<Request> {
        self.stages.resize(rotation.steps.len(), Stage::Idle);
        if self.busy() {
            return Vec::new();
        }
        match action {
            Action::AddNew => {
                if rotation.phase == Phase::Planned {
                    tie_to_accounts(&mut rotation.steps, &self.accounts);
                }
                rotation.phase = Phase::Adding;
            }
            Action::RemoveOld => rotation.phase = Phase::Removing,
            Action::RetryFailed => retry(rotation),
            Action::Continue => {}
        }
        let requests = self.send(rotation);
        rotation.settle();
        requests
    }

    /// Applies the answer to step `index`'s request; returns its next
    /// request. An answer nobody waits for is ignored.
    pub fn answer(
        &mut self,
        rotation: &mut Rotation,
        index: usize,
        answer: Answer,
    ) -> Option<Request> {
        let stage = std::mem::take(self.stages.get_mut(index)?);
        let step = rotation.steps.get_mut(index)?;
        let next = match stage {
            Stage::Idle => return None,
            Stage::AddListing
            | Stage::Creating
            | Stage::CreateCheck(_)
            | Stage::Labelling(_)
            | Stage::Sharing(_)
            | Stage::Defaulting => self.on_add_answer(index, step, &rotation.new, stage, answer),
            Stage::WorkspacesListing(_) | Stage::Assigning(..) | Stage::WorkspacesChecking(_) => {
                self.on_workspace_answer(index, step, stage, answer)
            }
            Stage::RemoveListing | Stage::ReadingOld | Stage::Deleting => {
                self.on_remove_answer(index, step, &rotation.new, stage, answer)
            }
        };
        let request = next.map(|effect| Request {
            step: index,
            profile_id: step.profile_id.clone(),
            effect,
        });
        if request.is_none() {
            self.stages[index] = Stage::Idle;
            if !self.busy() {
                rotation.settle();
            }
        }
        request
    }

    /// The first request of every included step the phase still needs.
    fn send(&mut self, rotation: &mut Rotation) -> Vec<Request> {
        let phase = rotation.phase;
        let mut requests = Vec::new();
        for index in 0..rotation.steps.len() {
            let step = &mut rotation.steps[index];
            let wanted = match phase {
                Phase::Adding => step.included && step.add == StepState::Pending,
                Phase::Removing => step.may_remove() && step.remove == StepState::Pending,
                _ => false,
            };
            if !wanted || self.stages[index] != Stage::Idle {
                continue;
            }
            if let Err(reason) = self.reachable(step, &rotation.old.sha256) {
                match phase {
                    Phase::Adding => step.add = StepState::Failed(reason),
                    _ => step.remove = StepState::Failed(reason),
                }
                continue;
            }
            let (stage, effect) = match phase {
                Phase::Adding => (Stage::AddListing, Effect::ListKeys),
                _ => (Stage::RemoveListing, Effect::ListKeys),
            };
            self.stages[index] = stage;
            requests.push(Request {
                step: index,
                profile_id: step.profile_id.clone(),
                effect,
            });
        }
        requests
    }

    /// Why step cannot be acted on now: its account is gone, moved, or the
    /// step does not say where it was planned or which key it replaces.
    fn reachable(
        &self,
        step: &mut AccountStep,
        group_sha256: &Option<String>,
    ) -> Result<(), String> {
        let Some(account) = self
            .accounts
            .iter()
            .find(|account| account.profile_id == step.profile_id)
        else {
            return Err("This account is no longer in Keyfleet.".into());
        };
        let Some(planned) = &step.origin else {
            return Err("This step was saved by an earlier Keyfleet that did not record the account's address and scope, so Keyfleet cannot tell it is still the same account and does nothing here. Finish this account by hand, or start a new rotation.".into());
        };
        if let Some(changes) = account.origin.changes_from(planned) {
            return Err(format!(
                "The account changed since the rotation was planned ({changes}); nothing is done here."
            ));
        }
        // Files from earlier builds lack the per-step fingerprint; the
        // group's is the one every key with public material was joined by.
        // It is only a filter: the key read at its id must still match it.
        if step.old_key_sha256.is_none() && !step.stores_private_key {
            step.old_key_sha256 = group_sha256.clone();
        }
        Ok(())
    }

    fn on_add_answer(
        &mut self,
        index: usize,
        step: &mut AccountStep,
        new: &super::plan::NewKeyInfo,
        stage: Stage,
        answer: Answer,
    ) -> Next {
        let reply = match (stage, answer) {
            (Stage::CreateCheck(create_error), Ok(Reply::Keys(keys))) => {
                // Only a key with the sent fingerprint is ours; with no key
                // material (HCP Terraform) nothing can be claimed.
                return match find_new_public(&keys, step, &new.sha256) {
                    Some(key) if !step.stores_private_key => {
                        step.new_key_id = Some(key.id.clone());
                        self.after_new_key(index, step, key.clone())
                    }
                    _ => fail_add(step, create_error.message),
                };
            }
            (Stage::CreateCheck(create_error), Err(_)) => {
                return fail_add(step, create_error.message);
            }
            (stage, Ok(reply)) => (stage, reply),
            (Stage::Creating, Err(err)) if !step.stores_private_key => {
                self.stages[index] = Stage::CreateCheck(err);
                return Some(Effect::ListKeys);
            }
            (Stage::Creating, Err(err)) => {
                return fail_add(
                    step,
                    format!(
                        "{} If the key was created anyway, this rotation did not record it and will not use it: check the organization's keys.",
                        err.message
                    ),
                );
            }
            (_, Err(err)) => return fail_add(step, err.message),
        };
        match reply {
            (Stage::AddListing, Reply::Keys(keys)) => self.on_add_listing(index, step, new, &keys),
            (Stage::Creating, Reply::Created(key)) => {
                // Recorded at once: the id is the only proof the key is ours.
                step.new_key_id = Some(key.id.clone());
                self.after_new_key(index, step, *key)
            }
            (Stage::Labelling(key), Reply::Done) => self.after_labels(index, step, *key),
            (Stage::Sharing(key), Reply::Done) => self.after_shared(index, step, *key),
            (Stage::Defaulting, Reply::Done) => finish_add(step),
            _ => fail_add(step, "The provider answered something unexpected.".into()),
        }
    }

    /// The add's listing: the new key is there already (by fingerprint, or
    /// by the id this rotation recorded), or a create is needed.
    fn on_add_listing(
        &mut self,
        index: usize,
        step: &mut AccountStep,
        new: &super::plan::NewKeyInfo,
        keys: &[RemoteKey],
    ) -> Next {
        let scope = step.scope.clone();
        if !step.stores_private_key {
            if let Some(key) = find_new_public(keys, step, &new.sha256) {
                step.new_key_id = Some(key.id.clone());
                return self.after_new_key(index, step, key.clone());
            }
        } else {
            let recorded = step.new_key_id.as_deref().and_then(|id| {
                keys.iter()
                    .find(|key| key.id == id && key.scope.same_place(&scope))
            });
            if let Some(key) = recorded {
                return self.after_new_key(index, step, key.clone());
            }
            // The key this rotation created is gone (or was never made).
            step.new_key_id = None;
            if let Some(other) = keys.iter().find(|key| key.name == new.name.as_str()) {
                return fail_add(
                    step,
                    format!(
                        "A key named \"{}\" (id {}) is already on this account and this rotation did not create it, so it is left alone and no workspace is moved to it. Start the rotation again with another name, or remove that key first.",
                        new.name, other.id
                    ),
                );
            }
        }
        let material = if step.stores_private_key {
            CreateMaterial::PrivateKeyFile {
                path: new.private_key_path.clone(),
                sha256: new.sha256.clone(),
            }
        } else {
            CreateMaterial::PublicKey(new.public_key.clone())
        };
        self.stages[index] = Stage::Creating;
        Some(Effect::Create {
            name: new.name.clone(),
            material,
            // Unknown only where the provider has no such flag.
            shared_in_project: step.shared_in_project.unwrap_or(true),
            scope,
            expires_at: step.expires_at.as_deref().and_then(read_date),
        })
    }

    /// The new key is in place: carry the old key's flags over, or move
    /// the workspaces.
    fn after_new_key(&mut self, index: usize, step: &mut AccountStep, key: RemoteKey) -> Next {
        if step.stores_private_key {
            self.stages[index] = Stage::WorkspacesListing(AfterMove::FinishAdd);
            return Some(Effect::ListWorkspaces);
        }
        if let Some(labels) = &step.labels
            && key.labels.as_ref() != Some(labels)
        {
            self.stages[index] = Stage::Labelling(Box::new(key.clone()));
            return Some(Effect::SetLabels {
                key,
                labels: labels.clone(),
            });
        }
        self.after_labels(index, step, key)
    }

    /// The new key has the old key's labels: carry its sharing over.
    fn after_labels(&mut self, index: usize, step: &mut AccountStep, key: RemoteKey) -> Next {
        if let Some(shared) = step.shared_in_project
            && key.shared_in_project.is_some_and(|now| now != shared)
        {
            self.stages[index] = Stage::Sharing(Box::new(key.clone()));
            return Some(Effect::SetShared { key, shared });
        }
        self.after_shared(index, step, key)
    }

    fn after_shared(&mut self, index: usize, step: &mut AccountStep, key: RemoteKey) -> Next {
        if step.make_default && key.is_default != Some(true) {
            self.stages[index] = Stage::Defaulting;
            return Some(Effect::MakeDefault { key });
        }
        finish_add(step)
    }

    fn on_workspace_answer(
        &mut self,
        index: usize,
        step: &mut AccountStep,
        stage: Stage,
        answer: Answer,
    ) -> Next {
        let after = match &stage {
            Stage::WorkspacesListing(after)
            | Stage::Assigning(after, _)
            | Stage::WorkspacesChecking(after) => *after,
            _ => AfterMove::FinishAdd,
        };
        let fail = |step: &mut AccountStep, message: String| match after {
            AfterMove::FinishAdd => fail_add(step, message),
            AfterMove::ReadOld => fail_remove(step, message),
        };
        let reply = match answer {
            Ok(reply) => reply,
            Err(err) => return fail(step, err.message),
        };
        let Some(new_id) = step.new_key_id.clone() else {
            return fail(step, "The new key's id was not recorded.".into());
        };
        let on_old = |workspaces: &[Workspace]| -> Vec<Workspace> {
            workspaces
                .iter()
                .filter(|ws| ws.ssh_key_id.as_deref() == Some(step.old_key_id.as_str()))
                .cloned()
                .collect()
        };
        let mut left = match (stage, reply) {
            (Stage::WorkspacesListing(_), Reply::Workspaces(all)) => {
                on_old(&all).into_iter().map(|ws| ws.id).collect()
            }
            (Stage::Assigning(_, left), Reply::Done) => left,
            (Stage::WorkspacesChecking(_), Reply::Workspaces(all)) => {
                let still: Vec<String> = on_old(&all).into_iter().map(|ws| ws.name).collect();
                if !still.is_empty() {
                    return fail(
                        step,
                        format!(
                            "Workspaces {} still use the old key after the move; it was kept.",
                            still.join(", ")
                        ),
                    );
                }
                return match after {
                    AfterMove::FinishAdd => finish_add(step),
                    AfterMove::ReadOld => {
                        self.stages[index] = Stage::ReadingOld;
                        Some(Effect::ListKeys)
                    }
                };
            }
            _ => return fail(step, "The provider answered something unexpected.".into()),
        };
        match left.pop() {
            Some(workspace_id) => {
                self.stages[index] = Stage::Assigning(after, left);
                Some(Effect::AssignWorkspace {
                    workspace_id,
                    key_id: new_id,
                })
            }
            None => {
                self.stages[index] = Stage::WorkspacesChecking(after);
                Some(Effect::ListWorkspaces)
            }
        }
    }

    fn on_remove_answer(
        &mut self,
        index: usize,
        step: &mut AccountStep,
        new: &super::plan::NewKeyInfo,
        stage: Stage,
        answer: Answer,
    ) -> Next {
        match (stage, answer) {
            (Stage::Deleting, Ok(_)) => {
                step.remove = StepState::Done;
                None
            }
            (Stage::Deleting, Err(err)) if err.kind == ApiErrorKind::NotFound => {
                step.remove = StepState::AlreadyGone;
                None
            }
            (_, Err(err)) => fail_remove(step, err.message),
            (Stage::RemoveListing, Ok(Reply::Keys(keys))) => {
                if !new_key_listed(&keys, step, &new.sha256) {
                    // Back to the add: "Retry failed steps" adds it again.
                    step.add = StepState::Failed(format!(
                        "The new key \"{}\" is no longer on this account, so the old key was kept. Retry to add it again.",
                        new.name
                    ));
                    return None;
                }
                if step.stores_private_key {
                    self.stages[index] = Stage::WorkspacesListing(AfterMove::ReadOld);
                    return Some(Effect::ListWorkspaces);
                }
                self.delete_if_old(index, step, &keys)
            }
            (Stage::ReadingOld, Ok(Reply::Keys(keys))) => {
                // The workspace moves took a while: the new key must still
                // be there in the very listing the delete is decided from.
                if !new_key_listed(&keys, step, &new.sha256) {
                    return fail_remove(
                        step,
                        format!(
                            "The new key \"{}\" went away while the workspaces were moved, so the old key was kept.",
                            new.name
                        ),
                    );
                }
                self.delete_if_old(index, step, &keys)
            }
            _ => fail_remove(step, "The provider answered something unexpected.".into()),
        }
    }

    /// Reads the key at the old id in `keys`: gone, still the old key
    /// (delete it), or another key now (keep it).
    fn delete_if_old(&mut self, index: usize, step: &mut AccountStep, keys: &[RemoteKey]) -> Next {
        let scope = step.scope.clone();
        let Some(key) = keys
            .iter()
            .find(|key| key.id == step.old_key_id && key.scope.same_place(&scope))
        else {
            step.remove = StepState::AlreadyGone;
            return None;
        };
        if let Err(reason) = is_old_key(step, key) {
            return fail_remove(
                step,
                format!(
                    "The key with id {} is no longer the old key ({reason}), so it was not deleted.",
                    step.old_key_id
                ),
            );
        }
        self.stages[index] = Stage::Deleting;
        Some(Effect::Delete { key: key.clone() })
    }
}

/// Whether `key` (listed at the old id) is still the old key: the same
/// fingerprint, or for keys without material the recorded name.
pub fn is_old_key(step: &AccountStep, key: &RemoteKey) -> Result<(), String> {
    if step.stores_private_key {
        return if key.name == step.old_key_name.as_str() {
            Ok(())
        } else {
            Err(format!(
                "it is now named \"{}\", not \"{}\"",
                key.name, step.old_key_name
            ))
        };
    }
    match (&step.old_key_sha256, &key.fingerprint_sha256) {
        (Some(old), Some(now)) if old == now => Ok(()),
        (None, _) => Err("the old key's fingerprint was not recorded".into()),
        (Some(_), Some(now)) => Err(format!("its fingerprint is now {now}")),
        (Some(_), None) => Err("the server shows no fingerprint for it".into()),
    }
}

/// The new key in `keys` by fingerprint, in the step's place, not at the
/// old key's id.
fn find_new_public<'a>(
    keys: &'a [RemoteKey],
    step: &AccountStep,
    sha256: &str,
) -> Option<&'a RemoteKey> {
    let scope = step.scope.clone();
    keys.iter().find(|key| {
        key.scope.same_place(&scope)
            && key.id != step.old_key_id
            && key.fingerprint_sha256.as_deref() == Some(sha256)
    })
}

/// The new key is listed: by fingerprint, or (no key material) at the id
/// this rotation recorded.
fn new_key_listed(keys: &[RemoteKey], step: &AccountStep, sha256: &str) -> bool {
    if !step.stores_private_key {
        return find_new_public(keys, step, sha256).is_some();
    }
    let scope = step.scope.clone();
    step.new_key_id.as_deref().is_some_and(|id| {
        keys.iter()
            .any(|key| key.id == id && id != step.old_key_id && key.scope.same_place(&scope))
    })
}

fn finish_add(step: &mut AccountStep) -> Next {
    step.add = StepState::Done;
    None
}

fn fail_add(step: &mut AccountStep, message: String) -> Next {
    step.add = StepState::Failed(message);
    None
}

fn fail_remove(step: &mut AccountStep, message: String) -> Next {
    step.remove = StepState::Failed(message);
    None
}

/// Marks failed steps to run again: failed adds first (their removes wait
/// for a new confirmation), else failed removes.
fn retry(rotation: &mut Rotation) {
    let mut adds = false;
    for step in rotation.steps.iter_mut().filter(|step| step.included) {
        if step.add.is_failed() {
            step.add = StepState::Pending;
            adds = true;
        }
    }
    if adds {
        rotation.phase = Phase::Adding;
        return;
    }
    for step in rotation.steps.iter_mut().filter(|step| step.included) {
        if step.remove.is_failed() {
            step.remove = StepState::Pending;
        }
    }
    rotation.phase = Phase::Removing;
}

/// A planned expiry date (`YYYY-MM-DD`, as [`AccountStep::expires_at`]
/// stores it).
fn read_date(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), &format).ok()
}
