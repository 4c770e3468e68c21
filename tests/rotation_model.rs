//! Model-based test of the rotation machine: seeded random plans over 1–6
//! accounts of every provider, run against an in-memory model of the
//! accounts with faults at every request (500, a dropped answer after the
//! change was made, a timeout, "already exists"), someone else renaming or
//! deleting keys or adding a same-named key between requests, and restarts
//! at any point (the machine re-created from the stored rotation, perhaps
//! with an account moved, removed, or a step from an earlier build's file).
//!
//! After every event it checks that every included account still holds
//! the old key or the new key; that nothing is deleted unless it is the
//! old key itself (the model knows which key is which; HCP Terraform: its
//! id and recorded name); and that no request reaches an account whose
//! origin changed, or that was removed, or whose step cannot be verified.
//!
//! `ROTATION_MODEL_SEQUENCES` sets how many sequences run (10,000 by
//! default); `ROTATION_MODEL_SEED` the first seed.

use keyfleet::ops::rotation::machine::{
    AccountOrigin, AccountRef, Action, Answer, CreateMaterial, Effect, Machine, Reply, Request,
};
use keyfleet::ops::rotation::{AccountStep, NewKeyInfo, OldKeyInfo, Phase, Rotation, StepState};
use keyfleet::providers::terraform::Workspace;
use keyfleet::providers::{ApiError, ApiErrorKind, KeyScope, ProviderKind, RemoteKey};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const OLD_SHA: &str = "SHA256:old";
const NEW_SHA: &str = "SHA256:new";
const NEW_LINE: &str = "ssh-ed25519 AAAAnew";
const NEW_NAME: &str = "laptop-2026";

/// Which key a stored key really is (the model's knowledge, never shown
/// to the machine).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Truth {
    Old,
    New,
    Foreign(u32),
}

#[derive(Clone, Debug)]
struct ModelKey {
    id: String,
    name: String,
    truth: Truth,
    shared: bool,
}

#[derive(Clone, Debug)]
struct ModelAccount {
    profile_id: String,
    provider: ProviderKind,
    origin: AccountOrigin,
    keys: Vec<ModelKey>,
    /// `(id, key id)` of the workspaces (HCP Terraform).
    workspaces: Vec<(String, Option<String>)>,
    default_key: Option<String>,
    next_id: u32,
    /// Someone else deleted (or a hostile server replaced) the old key
    /// here: "old or new" cannot be promised any more.
    tampered: bool,
    /// Someone else deleted the new key here (workspaces may point at it).
    new_deleted: bool,
    /// The rotation deleted the old key here.
    old_removed: bool,
    /// Someone else deleted the new key after the old one was removed:
    /// the account holding neither is theirs to answer for.
    excused: bool,
    /// No request may reach this account any more (moved, removed, or its
    /// step lost the recorded origin).
    off_limits: bool,
    /// Part of the rotation.
    included: bool,
    /// The workspaces' keys when planned.
    initial_workspaces: Vec<(String, Option<String>)>,
}

impl ModelAccount {
    fn stores_private_key(&self) -> bool {
        self.provider == ProviderKind::Terraform
    }

    fn fingerprint(&self, truth: Truth) -> Option<String> {
        if self.stores_private_key() {
            return None;
        }
        Some(match truth {
            Truth::Old => OLD_SHA.to_string(),
            Truth::New => NEW_SHA.to_string(),
            Truth::Foreign(n) => format!("SHA256:foreign{n}"),
        })
    }

    fn listed(&self) -> Vec<RemoteKey> {
        self.keys
            .iter()
            .map(|key| RemoteKey {
                id: key.id.clone(),
                name: key.name.as_str().into(),
                fingerprint_sha256: self.fingerprint(key.truth),
                shared_in_project: (self.provider == ProviderKind::Gcore).then_some(key.shared),
                is_default: (self.provider == ProviderKind::Sesterce)
                    .then(|| self.default_key.as_deref() == Some(key.id.as_str())),
                scope: KeyScope::Account,
                ..RemoteKey::default()
            })
            .collect()
    }

    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("{}-key-{}", self.profile_id, self.next_id)
    }

    fn holds(&self, truth: Truth) -> bool {
        self.keys.iter().any(|key| key.truth == truth)
    }
}

/// The whole world: accounts, and what broke.
struct World {
    accounts: Vec<ModelAccount>,
    rng: StdRng,
    foreign: u32,
    violations: Vec<String>,
}

fn error(kind: ApiErrorKind, message: &str) -> ApiError {
    ApiError::new(kind, message.to_string())
}

impl World {
    fn account(&mut self, profile_id: &str) -> &mut ModelAccount {
        self.accounts
            .iter_mut()
            .find(|account| account.profile_id == profile_id)
            .expect("the machine asked for an account it was never given")
    }

    /// Performs `request` with a random fault; the change may be made even
    /// when the answer is lost.
    fn perform(&mut self, request: &Request, step: &AccountStep) -> Answer {
        let roll: u32 = self.rng.gen_range(0..100);
        let account = self.account(&request.profile_id);
        if account.off_limits {
            let message = format!(
                "request {:?} reached {} whose origin changed or cannot be verified",
                request.effect, account.profile_id
            );
            self.violations.push(message);
        }
        if roll < 6 {
            return Err(error(ApiErrorKind::Server, "500"));
        }
        let applied = self.apply(request, step);
        match (roll, applied) {
            (6..=8, _) => Err(error(ApiErrorKind::Network, "connection dropped")),
            (9..=10, _) => Err(error(ApiErrorKind::Timeout, "timed out")),
            (_, answer) => answer,
        }
    }

    fn apply(&mut self, request: &Request, step: &AccountStep) -> Answer {
        let account_index = self
            .accounts
            .iter()
            .position(|account| account.profile_id == request.profile_id)
            .unwrap();
        let account = &mut self.accounts[account_index];
        match &request.effect {
            Effect::ListKeys => Ok(Reply::Keys(account.listed())),
            Effect::Create { name, material, .. } => {
                let truth = match material {
                    CreateMaterial::PublicKey(line) if line == NEW_LINE => Truth::New,
                    CreateMaterial::PrivateKeyFile { sha256, .. } if sha256 == NEW_SHA => {
                        Truth::New
                    }
                    other => panic!("unexpected material {other:?}"),
                };
                // Names are unique on Gcore and HCP Terraform; key material
                // on GitHub and DigitalOcean ("key is already in use") and
                // GitLab ("has already been taken").
                let taken = match account.provider {
                    ProviderKind::Gcore | ProviderKind::Terraform => {
                        account.keys.iter().any(|key| key.name == *name)
                    }
                    ProviderKind::Github | ProviderKind::Digitalocean | ProviderKind::Gitlab => {
                        account.keys.iter().any(|key| key.truth == truth)
                    }
                    ProviderKind::Sesterce => false,
                    // Hetzner Cloud: both, each unique in the project.
                    ProviderKind::Hetzner => account
                        .keys
                        .iter()
                        .any(|key| key.name == *name || key.truth == truth),
                };
                if taken {
                    return Err(error(ApiErrorKind::Conflict, "already exists"));
                }
                let id = account.new_id();
                account.keys.push(ModelKey {
                    id,
                    name: name.clone(),
                    truth,
                    shared: true,
                });
                let listed = account.listed();
                Ok(Reply::Created(Box::new(listed.last().unwrap().clone())))
            }
            Effect::SetShared { key, shared } => {
                match account.keys.iter_mut().find(|k| k.id == key.id) {
                    Some(stored) => {
                        stored.shared = *shared;
                        Ok(Reply::Done)
                    }
                    None => Err(error(ApiErrorKind::NotFound, "no such key")),
                }
            }
            Effect::SetLabels { key, .. } => {
                if account.keys.iter().any(|k| k.id == key.id) {
                    Ok(Reply::Done)
                } else {
                    Err(error(ApiErrorKind::NotFound, "no such key"))
                }
            }
            Effect::MakeDefault { key } => {
                if account.keys.iter().any(|k| k.id == key.id) {
                    account.default_key = Some(key.id.clone());
                    Ok(Reply::Done)
                } else {
                    Err(error(ApiErrorKind::NotFound, "no such key"))
                }
            }
            Effect::ListWorkspaces => Ok(Reply::Workspaces(
                account
                    .workspaces
                    .iter()
                    .map(|(id, key)| Workspace {
                        id: id.clone(),
                        name: format!("name-{id}"),
                        ssh_key_id: key.clone(),
                    })
                    .collect(),
            )),
            Effect::AssignWorkspace {
                workspace_id,
                key_id,
            } => {
                if !account.keys.iter().any(|k| k.id == *key_id) {
                    return Err(error(ApiErrorKind::NotFound, "no such key"));
                }
                match account
                    .workspaces
                    .iter_mut()
                    .find(|(id, _)| id == workspace_id)
                {
                    Some(workspace) => {
                        workspace.1 = Some(key_id.clone());
                        Ok(Reply::Done)
                    }
                    None => Err(error(ApiErrorKind::NotFound, "no such workspace")),
                }
            }
            Effect::Delete { key } => {
                let Some(position) = account.keys.iter().position(|k| k.id == key.id) else {
                    return Err(error(ApiErrorKind::NotFound, "no such key"));
                };
                let stored = &account.keys[position];
                // Terraform keys are known by id and recorded name only.
                let allowed = if account.stores_private_key() {
                    stored.id == step.old_key_id && stored.name == step.old_key_name
                } else {
                    stored.truth == Truth::Old && stored.id == step.old_key_id
                };
                if !allowed {
                    let message = format!(
                        "deleted {stored:?} on {}, not the old key",
                        account.profile_id
                    );
                    self.violations.push(message);
                    let account = &mut self.accounts[account_index];
                    account.keys.remove(position);
                    return Ok(Reply::Done);
                }
                account.keys.remove(position);
                account.old_removed = true;
                Ok(Reply::Done)
            }
        }
    }

    /// Someone else changes an account between requests. While a delete
    /// is out, the old key is not renamed or swapped and the new key not
    /// deleted: between the read and the delete no client can tell (the
    /// APIs have no conditional delete).
    fn meddle(&mut self, queue: &[Request]) {
        if self.accounts.is_empty() {
            return;
        }
        let index = self.rng.gen_range(0..self.accounts.len());
        let mut what: u32 = self.rng.gen_range(0..6);
        let deleting = queue.iter().any(|request| {
            request.profile_id == self.accounts[index].profile_id
                && matches!(request.effect, Effect::Delete { .. })
        });
        if deleting && (what == 1 || what == 3 || what == 4) {
            what = 5;
        }
        self.foreign += 1;
        let foreign = self.foreign;
        let account = &mut self.accounts[index];
        match what {
            // A same-named foreign key.
            0 => {
                let id = account.new_id();
                let name = NEW_NAME.to_string();
                if !account.keys.iter().any(|key| key.name == name)
                    || account.provider == ProviderKind::Sesterce
                {
                    account.keys.push(ModelKey {
                        id,
                        name,
                        truth: Truth::Foreign(foreign),
                        shared: false,
                    });
                }
            }
            // The old key renamed.
            1 => {
                if let Some(key) = account.keys.iter_mut().find(|k| k.truth == Truth::Old) {
                    key.name = format!("renamed-{foreign}");
                }
            }
            // The old or the new key deleted.
            2 | 3 => {
                let truth = if what == 2 { Truth::Old } else { Truth::New };
                let before = account.keys.len();
                account.keys.retain(|key| key.truth != truth);
                if account.keys.len() != before {
                    match truth {
                        Truth::Old => account.tampered = true,
                        _ => {
                            account.new_deleted = true;
                            account.excused |= account.old_removed;
                        }
                    }
                }
            }
            // A hostile server gives the old key's id to other material.
            4 if !account.stores_private_key() => {
                if let Some(key) = account.keys.iter_mut().find(|k| k.truth == Truth::Old) {
                    key.truth = Truth::Foreign(foreign);
                    account.tampered = true;
                }
            }
            _ => {}
        }
    }

    /// Every included account still usable holds the old or the new key.
    fn check(&mut self) {
        for account in &self.accounts {
            if account.included
                && !account.tampered
                && !account.excused
                && !account.holds(Truth::Old)
                && !account.holds(Truth::New)
            {
                self.violations.push(format!(
                    "{} holds neither the old nor the new key: {:?}",
                    account.profile_id, account.keys
                ));
            }
            // A workspace moves only to the key this rotation created.
            for ((id, now), (_, then)) in account.workspaces.iter().zip(&account.initial_workspaces)
            {
                let to_new = account
                    .keys
                    .iter()
                    .any(|key| Some(&key.id) == now.as_ref() && key.truth == Truth::New);
                if now != then && !to_new && !account.new_deleted {
                    self.violations.push(format!(
                        "workspace {id} of {} moved to {now:?}, not to the new key: {:?}",
                        account.profile_id, account.keys
                    ));
                }
            }
        }
    }
}

const PROVIDERS: [ProviderKind; 6] = [
    ProviderKind::Gcore,
    ProviderKind::Sesterce,
    ProviderKind::Github,
    ProviderKind::Terraform,
    ProviderKind::Hetzner,
    ProviderKind::Digitalocean,
];

/// A random world and the rotation planned on it.
fn plan(rng: &mut StdRng) -> (World, Rotation) {
    let count = rng.gen_range(1..=6);
    let mut accounts = Vec::new();
    let mut steps = Vec::new();
    for n in 0..count {
        let provider = PROVIDERS[rng.gen_range(0..PROVIDERS.len())];
        let mut account = ModelAccount {
            profile_id: format!("p{n}"),
            provider,
            origin: AccountOrigin {
                base_url: format!("https://api{n}.example"),
                scope: format!("project {n}"),
            },
            keys: Vec::new(),
            workspaces: Vec::new(),
            default_key: None,
            next_id: 0,
            tampered: false,
            new_deleted: false,
            old_removed: false,
            excused: false,
            off_limits: false,
            included: n == 0 || rng.gen_bool(0.8),
            initial_workspaces: Vec::new(),
        };
        for bystander in 0..rng.gen_range(0..3) {
            let id = account.new_id();
            account.keys.push(ModelKey {
                id,
                name: format!("bystander-{bystander}"),
                truth: Truth::Foreign(1000 + bystander),
                shared: rng.gen_bool(0.5),
            });
        }
        let old_id = account.new_id();
        let old_shared = rng.gen_bool(0.5);
        account.keys.push(ModelKey {
            id: old_id.clone(),
            name: "laptop".into(),
            truth: Truth::Old,
            shared: old_shared,
        });
        let is_default = provider == ProviderKind::Sesterce && rng.gen_bool(0.5);
        if is_default {
            account.default_key = Some(old_id.clone());
        }
        let mut workspaces = Vec::new();
        if provider == ProviderKind::Terraform {
            for w in 0..rng.gen_range(0..5) {
                let key = match rng.gen_range(0..3) {
                    0 => None,
                    1 => account.keys.first().map(|k| k.id.clone()),
                    _ => Some(old_id.clone()),
                };
                if key.as_deref() == Some(old_id.as_str()) {
                    workspaces.push(format!("name-ws{w}"));
                }
                account.workspaces.push((format!("ws{w}"), key));
            }
            account.initial_workspaces = account.workspaces.clone();
        }
        steps.push(AccountStep {
            profile_id: account.profile_id.clone(),
            account: format!("account {n}"),
            provider,
            included: account.included,
            old_key_id: old_id,
            old_key_name: "laptop".into(),
            old_key_sha256: account.fingerprint(Truth::Old),
            origin: None,
            names_taken: Vec::new(),
            matched_by_name_only: false,
            scope: KeyScope::Account,
            shared_in_project: (provider == ProviderKind::Gcore).then_some(old_shared),
            make_default: is_default,
            labels: (provider == ProviderKind::Hetzner)
                .then(|| [("env".to_string(), "prod".to_string())].into()),
            workspaces,
            stores_private_key: provider == ProviderKind::Terraform,
            expires_at: None,
            new_key_id: None,
            add: StepState::Pending,
            remove: StepState::Pending,
        });
        accounts.push(account);
    }
    let rotation = Rotation::from_parts(
        OldKeyInfo {
            sha256: Some(OLD_SHA.into()),
            name: "laptop".into(),
        },
        NewKeyInfo {
            name: NEW_NAME.into(),
            sha256: NEW_SHA.into(),
            public_key: NEW_LINE.into(),
            algorithm: "ED25519".into(),
            private_key_path: "/home/me/.ssh/laptop-2026".into(),
        },
        steps,
    );
    let world = World {
        accounts,
        rng: StdRng::seed_from_u64(rng.r#gen()),
        foreign: 0,
        violations: Vec::new(),
    };
    (world, rotation)
}

fn refs(world: &World) -> Vec<AccountRef> {
    world
        .accounts
        .iter()
        .filter(|account| account.profile_id != "removed")
        .map(|account| AccountRef {
            profile_id: account.profile_id.clone(),
            origin: account.origin.clone(),
        })
        .collect()
}

/// A restart: the machine re-created from the rotation as stored, with
/// perhaps an account moved or removed, or a step's origin missing (a
/// file from an earlier build). Requests in flight are lost (their change
/// perhaps made).
fn restart(
    world: &mut World,
    rotation: &Rotation,
    queue: &mut Vec<Request>,
) -> (Rotation, Machine) {
    for request in queue.drain(..) {
        if world.rng.gen_bool(0.5) {
            let step = rotation.steps[request.step].clone();
            let _ = world.apply(&request, &step);
        }
    }
    let text = serde_json::to_string(rotation).unwrap();
    let mut stored: Rotation = serde_json::from_str(&text).unwrap();
    if rotation.phase != Phase::Planned && !world.accounts.is_empty() {
        let index = world.rng.gen_range(0..world.accounts.len());
        match world.rng.gen_range(0..8) {
            0 => {
                world.accounts[index].origin.base_url.push_str("/moved");
                world.accounts[index].off_limits = true;
            }
            1 => {
                world.accounts[index].origin.scope.push('0');
                world.accounts[index].off_limits = true;
            }
            2 => {
                stored.steps[index].origin = None;
                world.accounts[index].off_limits = true;
            }
            3 => {
                // Removed from Keyfleet: the machine is not given it.
                world.accounts[index].off_limits = true;
                world.accounts[index].profile_id = "removed".into();
                stored.steps[index].profile_id = "removed-step".into();
            }
            _ => {}
        }
    }
    (stored, Machine::new(refs(world)))
}

/// One random sequence; returns the violations found.
fn sequence(seed: u64) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut world, mut rotation) = plan(&mut rng);
    let mut machine = Machine::new(refs(&world));
    let mut queue: Vec<Request> = Vec::new();
    // A user gives up after a dozen clicks on a step that keeps failing.
    let mut clicks = 0;
    let trace = std::env::var("ROTATION_MODEL_TRACE").is_ok();
    for _ in 0..400 {
        world.check();
        if !world.violations.is_empty() || rotation.phase == Phase::Done {
            break;
        }
        let roll: u32 = rng.gen_range(0..100);
        if trace {
            eprintln!(
                "phase {:?} keys {:?}",
                rotation.phase,
                world
                    .accounts
                    .iter()
                    .map(|a| (
                        &a.profile_id,
                        a.keys
                            .iter()
                            .map(|k| (&k.name, k.truth))
                            .collect::<Vec<_>>()
                    ))
                    .collect::<Vec<_>>()
            );
        }
        if roll < 4 {
            world.meddle(&queue);
            continue;
        }
        if roll < 7 {
            (rotation, machine) = restart(&mut world, &rotation, &mut queue);
            continue;
        }
        if queue.is_empty() {
            clicks += 1;
            if clicks > 12 {
                break;
            }
            let action = match rotation.phase {
                Phase::Planned => Action::AddNew,
                Phase::Paused if rng.gen_bool(0.7) => Action::RemoveOld,
                _ if rotation.failed_count() > 0 && rng.gen_bool(0.5) => Action::RetryFailed,
                Phase::Paused => Action::RetryFailed,
                _ => Action::Continue,
            };
            queue = machine.act(&mut rotation, action);
            if queue.is_empty() && rotation.failed_count() == 0 && rotation.phase != Phase::Paused {
                // Nothing left that this world lets finish.
                if rotation.phase != Phase::Done {
                    break;
                }
            }
            continue;
        }
        // Answer a random request in flight (accounts answer in any order).
        let request = queue.remove(rng.gen_range(0..queue.len()));
        let step = rotation.steps[request.step].clone();
        let answer = world.perform(&request, &step);
        if trace {
            eprintln!("{} {:?} -> {answer:?}", request.profile_id, request.effect);
        }
        queue.extend(machine.answer(&mut rotation, request.step, answer));
    }
    world.check();
    if rotation.phase == Phase::Done {
        for (account, step) in world.accounts.iter().zip(&rotation.steps) {
            if step.included && step.remove == StepState::Done && account.holds(Truth::Old) {
                world.violations.push(format!(
                    "{} reported removed but holds the old key",
                    account.profile_id
                ));
            }
        }
    }
    world.violations
}

#[test]
fn random_rotations_never_lose_access_or_delete_another_key() {
    let count: u64 = std::env::var("ROTATION_MODEL_SEQUENCES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10_000);
    let first: u64 = std::env::var("ROTATION_MODEL_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(20_261_201);
    // Sequences are independent: one share per core.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get() as u64);
    let finished: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|share| {
                scope.spawn(move || {
                    let mut finished = 0;
                    for seed in (first..first + count).filter(|seed| seed % threads == share) {
                        let violations = sequence(seed);
                        assert!(
                            violations.is_empty(),
                            "seed {seed} (rerun with ROTATION_MODEL_SEED={seed} ROTATION_MODEL_SEQUENCES=1): {violations:#?}"
                        );
                        finished += 1;
                    }
                    finished
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a share failed"))
            .sum()
    });
    assert_eq!(finished, count);
}

#[test]
fn many_sequences_reach_done_and_many_meet_faults() {
    // The random walk must exercise the whole machine, not stall early.
    let mut done = 0;
    let mut gone = 0;
    for seed in 0..500 {
        let (mut world, mut rotation) = plan(&mut StdRng::seed_from_u64(seed));
        let mut machine = Machine::new(refs(&world));
        let mut queue = machine.act(&mut rotation, Action::AddNew);
        for _ in 0..1000 {
            if let Some(request) = queue.pop() {
                let step = rotation.steps[request.step].clone();
                let answer = world.apply(&request, &step);
                queue.extend(machine.answer(&mut rotation, request.step, answer));
                continue;
            }
            match rotation.phase {
                Phase::Paused => {
                    // Someone else deletes the old key on the first account.
                    let truth = Truth::Old;
                    world.accounts[0].keys.retain(|key| key.truth != truth);
                    queue = machine.act(&mut rotation, Action::RemoveOld);
                }
                _ => break,
            }
        }
        if rotation.phase == Phase::Done {
            done += 1;
        }
        if rotation.steps[0].remove == StepState::AlreadyGone {
            gone += 1;
        }
        assert!(world.violations.is_empty(), "{:?}", world.violations);
    }
    assert!(
        done > 250,
        "only {done} of 500 fault-free rotations finished"
    );
    assert!(
        gone > 250,
        "only {gone} reported the deleted key as already gone"
    );
}
