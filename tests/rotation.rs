//! The rotation engine (no window) against the sandbox fakes over HTTP:
//! plan from the inventory, add phase, pause, remove phase, with the
//! flags kept, HCP Terraform workspaces moved across pages, failed steps
//! retried and nothing removed where the add failed; adversarial cases (a
//! same-named foreign key, a key renamed or deleted meanwhile, an account
//! moved before a resume). Every test checks the whole key set of every
//! account afterwards: what was meant to go is gone, the rest unchanged.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::bystanders::{assert_changes_everywhere, snapshot_name};
use common::client::{account_client, fast_policy};
use keyfleet::inventory::{Inventory, KeyGroup, local};
use keyfleet::keys::generate::{GenerateRequest, KeyAlgorithm, PrivateKeyEncoding, generate};
use keyfleet::keys::save::save_private_key;
use keyfleet::ops::rotation::{
    AccountRef, Action, Machine, NewKeyInfo, Phase, Rotation, RotationStore, StepState, run,
};
use keyfleet::providers::{ApiError, ProviderClient, ProviderKind, RemoteKey};
use keyfleet::sandbox::{Fault, KeySet, SANDBOX_ORGANIZATION, Sandbox, token};
use keyfleet::store::Profile;

const KINDS: [ProviderKind; 4] = [
    ProviderKind::Gcore,
    ProviderKind::Sesterce,
    ProviderKind::Github,
    ProviderKind::Terraform,
];

/// Generates an Ed25519 pair and saves it (verified) at `dir/name`.
fn saved_key(dir: &Path, name: &str) -> (keyfleet::keys::generate::GeneratedKey, PathBuf) {
    let key = generate(&GenerateRequest {
        algorithm: KeyAlgorithm::Ed25519,
        comment: format!("{name}@laptop"),
        passphrase: None,
        encoding: PrivateKeyEncoding::OpenSsh,
    })
    .unwrap();
    let path = dir.join(name);
    save_private_key(&path, &key.private_key, &key.public.openssh, None).unwrap();
    (key, path)
}

struct World {
    sandbox: Sandbox,
    runtime: tokio::runtime::Runtime,
    profiles: Vec<Profile>,
    dir: tempfile::TempDir,
    old_sha256: String,
    old_terraform_id: String,
}

impl World {
    /// The old key "laptop" on all four accounts (Gcore shared, Sesterce
    /// default, GitHub, Terraform used by 105 of 130 workspaces), saved in
    /// a local folder so the Terraform copy joins its group by file name.
    fn new() -> Self {
        let sandbox = Sandbox::start().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (old, _) = saved_key(dir.path(), "laptop");
        let line = &old.public.openssh;
        sandbox.gcore.add_key(1, "laptop", line, true);
        sandbox.sesterce.add_key("laptop", line);
        sandbox.sesterce.add_key(
            "other",
            &common::public_key(ssh_key::Algorithm::Ed25519, "x"),
        );
        sandbox.github.add_key("laptop", line);
        let old_terraform_id =
            sandbox
                .terraform
                .add_key(SANDBOX_ORGANIZATION, "laptop", old.private_key.expose());
        let other = sandbox.terraform.add_key(
            SANDBOX_ORGANIZATION,
            "other",
            "-----BEGIN RSA PRIVATE KEY-----",
        );
        for n in 0..130 {
            let key = match n % 6 {
                0 => None,
                1 => Some(other.as_str()),
                _ => Some(old_terraform_id.as_str()),
            };
            sandbox
                .terraform
                .add_workspace(SANDBOX_ORGANIZATION, &format!("ws-{n:03}"), key);
        }
        let profiles = KINDS
            .iter()
            .map(|kind| {
                let mut profile = sandbox.profile(*kind, &format!("{kind:?} account"));
                profile.id = format!("{kind:?}").to_lowercase();
                profile
            })
            .collect();
        Self {
            sandbox,
            runtime: tokio::runtime::Runtime::new().unwrap(),
            profiles,
            dir,
            old_sha256: old.public.fingerprint_sha256.clone(),
            old_terraform_id,
        }
    }

    fn client(&self, profile_id: &str) -> ProviderClient {
        let kind = self
            .profiles
            .iter()
            .find(|profile| profile.id == profile_id)
            .unwrap()
            .provider();
        account_client(kind, self.sandbox.url(kind), token(kind), fast_policy())
    }

    fn lists(&self) -> Vec<(Profile, Result<Vec<RemoteKey>, ApiError>)> {
        self.profiles
            .iter()
            .map(|profile| {
                let client = self.client(&profile.id);
                (profile.clone(), self.runtime.block_on(client.list_keys()))
            })
            .collect()
    }

    /// Plans the rotation of the old key's group to a new saved key.
    fn plan(&self) -> Rotation {
        let lists = self.lists();
        let scan = local::scan(&[self.dir.path().to_path_buf()]);
        let inventory = Inventory::build(&lists, &scan.keys);
        let group: &KeyGroup = inventory
            .keys
            .iter()
            .find(|group| group.sha256.as_deref() == Some(self.old_sha256.as_str()))
            .unwrap();
        assert_eq!(group.accounts.len(), 4, "{group:?}");
        let (new, path) = saved_key(self.dir.path(), "laptop-2026");
        let info = NewKeyInfo {
            name: "laptop-2026".into(),
            sha256: new.public.fingerprint_sha256.clone(),
            public_key: new.public.openssh.clone(),
            algorithm: new.public.label.to_string(),
            private_key_path: path,
        };
        let mut rotation = Rotation::plan(group, info, |profile_id, key_id| {
            lists
                .iter()
                .find(|(profile, _)| profile.id == profile_id)
                .and_then(|(_, keys)| keys.as_ref().ok())
                .and_then(|keys| keys.iter().find(|key| key.id == key_id))
        });
        // The Terraform copy is linked by file name alone: planned unticked,
        // ticked here as the user would.
        for step in &mut rotation.steps {
            assert_eq!(
                step.matched_by_name_only,
                step.provider == ProviderKind::Terraform
            );
            assert_eq!(step.included, !step.matched_by_name_only);
            step.included = true;
        }
        rotation
    }

    /// Runs the machine on `action` until it waits for nothing.
    fn act(&self, rotation: &mut Rotation, action: Action) {
        let mut machine = Machine::new(AccountRef::all(&self.profiles));
        let requests = machine.act(rotation, action);
        let client_of = |id: &str| -> Result<ProviderClient, ApiError> { Ok(self.client(id)) };
        self.runtime.block_on(run::drive(
            &mut machine,
            rotation,
            requests,
            &client_of,
            |_| {},
        ));
        assert!(!machine.busy());
    }

    /// Runs every add not done yet; returns how many were tried.
    fn add_phase(&self, rotation: &mut Rotation) -> usize {
        let mut tried = 0;
        for step in rotation.steps.iter_mut().filter(|step| step.included) {
            if !step.add.is_done() {
                step.add = StepState::Pending;
                tried += 1;
            }
        }
        self.act(rotation, Action::AddNew);
        tried
    }

    /// Removes the old key where the add succeeded.
    fn remove_phase(&self, rotation: &mut Rotation) {
        self.act(rotation, Action::RemoveOld);
    }

    /// Every key of every account, in full (HCP Terraform: its name and a
    /// digest of its stored value), by provider.
    fn key_sets(&self) -> BTreeMap<&'static str, KeySet> {
        self.sandbox.snapshot()
    }

    /// Whether the old key is still on Gcore, Sesterce and GitHub.
    fn old_public_key_everywhere(&self) -> [bool; 3] {
        let old = |name: &str| name == "laptop";
        [
            self.sandbox
                .gcore
                .key_details(1)
                .iter()
                .any(|key| old(&key.name)),
            self.sandbox
                .sesterce
                .keys()
                .iter()
                .any(|key| old(&key.name)),
            self.sandbox.github.keys().iter().any(|key| old(&key.title)),
        ]
    }
}

/// Compares the key sets before and after: every key in `gone` went,
/// `added[i]` new ids appeared on the account of `KINDS[i]`, everything
/// else is exactly as it was.
fn assert_only_changed(
    before: &BTreeMap<&'static str, KeySet>,
    after: &BTreeMap<&'static str, KeySet>,
    gone: &[(&'static str, String)],
    added: &[usize; 4],
) {
    let gone: Vec<(&str, &str)> = gone.iter().map(|(p, id)| (*p, id.as_str())).collect();
    let added: Vec<(&str, usize)> = KINDS
        .iter()
        .map(|kind| snapshot_name(*kind))
        .zip(*added)
        .collect();
    assert_changes_everywhere(before, after, &gone, &[], &added);
}

/// `(provider, id)` of the old key on the accounts of `kinds`.
fn old_ids_on(rotation: &Rotation, kinds: &[ProviderKind]) -> Vec<(&'static str, String)> {
    rotation
        .steps
        .iter()
        .filter(|step| kinds.contains(&step.provider))
        .map(|step| (snapshot_name(step.provider), step.old_key_id.clone()))
        .collect()
}

/// `(provider, id)` of the old key on every account.
fn old_ids(rotation: &Rotation) -> Vec<(&'static str, String)> {
    old_ids_on(rotation, &KINDS)
}

#[test]
fn a_key_is_rotated_on_four_accounts_keeping_flags_and_workspaces() {
    let world = World::new();
    let before = world.key_sets();
    let mut rotation = world.plan();
    assert_eq!(rotation.steps.len(), 4);
    let terraform = rotation
        .steps
        .iter()
        .find(|step| step.provider == ProviderKind::Terraform)
        .unwrap();
    assert_eq!(terraform.workspaces.len(), 86, "planned from \"Used by\"");

    assert_eq!(world.add_phase(&mut rotation), 4);
    assert_eq!(rotation.phase, Phase::Paused, "{rotation:#?}");
    assert_eq!(rotation.added_count(), 4);
    // Paused: the old key is still everywhere, the new one beside it.
    assert_eq!(world.old_public_key_everywhere(), [true, true, true]);
    assert!(
        world
            .sandbox
            .terraform
            .keys(SANDBOX_ORGANIZATION)
            .iter()
            .any(|(id, _)| id == &world.old_terraform_id)
    );
    assert!(
        world
            .sandbox
            .terraform
            .workspaces(SANDBOX_ORGANIZATION)
            .iter()
            .all(|(_, key)| key.as_deref() != Some(world.old_terraform_id.as_str())),
        "every workspace moved in the add phase"
    );

    // The plan survives a restart, without a secret in it.
    let store = RotationStore::new(world.dir.path().join("config"));
    store.save(std::slice::from_ref(&rotation)).unwrap();
    let text = std::fs::read_to_string(store.path()).unwrap();
    assert!(!text.contains("PRIVATE KEY"));
    let mut rotation = store.load().unwrap().remove(0);

    // Adding again finds the new key on the server: nothing twice.
    for step in &mut rotation.steps {
        step.add = StepState::Pending;
    }
    world.add_phase(&mut rotation);
    assert_eq!(world.sandbox.gcore.key_details(1).len(), 2);
    assert_eq!(world.sandbox.github.keys().len(), 2);
    assert_eq!(world.sandbox.terraform.keys(SANDBOX_ORGANIZATION).len(), 3);

    world.remove_phase(&mut rotation);
    assert_eq!(rotation.phase, Phase::Done, "{rotation:#?}");
    let gone = old_ids(&rotation);
    assert_only_changed(&before, &world.key_sets(), &gone, &[1, 1, 1, 1]);
    store.save(std::slice::from_ref(&rotation)).unwrap();
    assert!(!store.path().exists(), "nothing left waiting");

    // Gcore: only the new key, shared like the old one.
    let gcore = world.sandbox.gcore.key_details(1);
    assert_eq!(gcore.len(), 1);
    assert_eq!(gcore[0].name, "laptop-2026");
    assert!(gcore[0].shared_in_project);
    assert_eq!(
        common::key_data(&gcore[0].public_key),
        common::key_data(&rotation.new.public_key)
    );
    // Sesterce: the new key took over as default.
    let sesterce = world.sandbox.sesterce.keys();
    let new = sesterce
        .iter()
        .find(|key| key.name == "laptop-2026")
        .unwrap();
    assert_eq!(
        world.sandbox.sesterce.default_key_id(),
        Some(new.id.clone())
    );
    assert!(!sesterce.iter().any(|key| key.name == "laptop"));
    // GitHub.
    let github = world.sandbox.github.keys();
    assert_eq!(github.len(), 1);
    assert_eq!(github[0].title, "laptop-2026");
    // Terraform: the old key is deleted, every workspace on the new one.
    let keys = world.sandbox.terraform.keys(SANDBOX_ORGANIZATION);
    assert!(!keys.iter().any(|(id, _)| id == &world.old_terraform_id));
    let (new_id, _) = keys.iter().find(|(_, name)| name == "laptop-2026").unwrap();
    let stored = world.sandbox.terraform.stored_value(new_id).unwrap();
    let saved = std::fs::read_to_string(&rotation.new.private_key_path).unwrap();
    assert_eq!(stored, saved, "the saved private key was uploaded");
    let workspaces = world.sandbox.terraform.workspaces(SANDBOX_ORGANIZATION);
    assert_eq!(
        workspaces
            .iter()
            .filter(|(_, key)| key.as_deref() == Some(new_id.as_str()))
            .count(),
        86
    );
    assert_eq!(
        workspaces.iter().filter(|(_, key)| key.is_none()).count(),
        22
    );
}

#[test]
fn a_failed_add_keeps_the_old_key_until_retried() {
    let world = World::new();
    let before = world.key_sets();
    let mut rotation = world.plan();
    // Every attempt of the Sesterce list (and its retries) fails.
    let faults = world.sandbox.faults(ProviderKind::Sesterce);
    faults.inject(Fault::ServerError, 20);
    world.add_phase(&mut rotation);
    faults.clear();
    assert_eq!(rotation.phase, Phase::Paused);
    assert_eq!(rotation.added_count(), 3);
    let sesterce = rotation
        .steps
        .iter()
        .position(|step| step.provider == ProviderKind::Sesterce)
        .unwrap();
    assert!(rotation.steps[sesterce].add.is_failed());

    world.remove_phase(&mut rotation);
    assert_eq!(
        rotation.phase,
        Phase::Removing,
        "not done: Sesterce is left"
    );
    assert_eq!(
        world.old_public_key_everywhere(),
        [false, true, false],
        "removed where added, kept on Sesterce"
    );
    assert_eq!(rotation.steps[sesterce].remove, StepState::Pending);
    // The machine asks for nothing on Sesterce, whatever the caller asks.
    let mut machine = Machine::new(AccountRef::all(&world.profiles));
    let requests = machine.act(&mut rotation.clone(), Action::RemoveOld);
    assert!(
        requests.iter().all(|request| request.step != sesterce),
        "{requests:?}"
    );

    // Retry the failed step only.
    assert_eq!(world.add_phase(&mut rotation), 1);
    world.remove_phase(&mut rotation);
    assert_eq!(rotation.phase, Phase::Done, "{rotation:#?}");
    assert_eq!(world.old_public_key_everywhere(), [false, false, false]);
    let gone = old_ids(&rotation);
    assert_only_changed(&before, &world.key_sets(), &gone, &[1, 1, 1, 1]);
}

/// Step index of `kind` in a plan of [`World`].
fn step_of(rotation: &Rotation, kind: ProviderKind) -> usize {
    rotation
        .steps
        .iter()
        .position(|step| step.provider == kind)
        .unwrap()
}

#[test]
fn a_same_named_foreign_key_on_terraform_is_a_conflict_not_adopted() {
    let world = World::new();
    let mut rotation = world.plan();
    // Someone else's key already carries the planned name.
    let foreign = world.sandbox.terraform.add_key(
        SANDBOX_ORGANIZATION,
        "laptop-2026",
        "-----BEGIN RSA PRIVATE KEY-----\nforeign",
    );
    let before = world.key_sets();
    let workspaces_before = world.sandbox.terraform.workspaces(SANDBOX_ORGANIZATION);
    let planned = rotation.clone();
    world.add_phase(&mut rotation);
    let terraform = step_of(&rotation, ProviderKind::Terraform);
    let StepState::Failed(message) = &rotation.steps[terraform].add else {
        panic!("adopted: {:#?}", rotation.steps[terraform]);
    };
    assert!(message.contains("already on this account"), "{message}");
    assert_eq!(rotation.steps[terraform].new_key_id, None);
    assert_eq!(
        world.sandbox.terraform.workspaces(SANDBOX_ORGANIZATION),
        workspaces_before,
        "no workspace moved to the foreign key"
    );
    world.remove_phase(&mut rotation);
    let gone = old_ids_on(&rotation, &KINDS[..3]);
    assert_only_changed(&before, &world.key_sets(), &gone, &[1, 1, 1, 0]);
    assert!(
        world
            .sandbox
            .terraform
            .keys(SANDBOX_ORGANIZATION)
            .iter()
            .any(|(id, _)| *id == foreign)
    );

    // The plan says so before anything is sent, with a free name.
    let mut plan = planned;
    let lists = world.lists();
    keyfleet::ops::rotation::plan::note_taken_names(&mut plan.steps, |profile_id| {
        lists
            .iter()
            .find(|(profile, _)| profile.id == profile_id)
            .and_then(|(_, keys)| keys.as_deref().ok())
    });
    let reason = plan.check().unwrap_err();
    assert!(reason.contains("laptop-2026-2"), "{reason}");
}

#[test]
fn a_key_deleted_or_renamed_meanwhile_is_reported_not_deleted_blindly() {
    let world = World::new();
    let mut rotation = world.plan();
    world.add_phase(&mut rotation);
    assert_eq!(rotation.phase, Phase::Paused);
    // Between the steps someone deletes the old key on GitHub and renames
    // the one on HCP Terraform.
    let github = world.client("github");
    let terraform = world.client("terraform");
    let listed = |client: &ProviderClient| world.runtime.block_on(client.list_keys()).unwrap();
    let old_github = listed(&github)
        .into_iter()
        .find(|key| key.name == "laptop")
        .unwrap();
    world
        .runtime
        .block_on(github.delete_key(&old_github))
        .unwrap();
    let old_terraform = listed(&terraform)
        .into_iter()
        .find(|key| key.id == world.old_terraform_id)
        .unwrap();
    world
        .runtime
        .block_on(terraform.rename_key(&old_terraform, "someone-elses"))
        .unwrap();
    let before = world.key_sets();
    world.remove_phase(&mut rotation);
    let github_step = &rotation.steps[step_of(&rotation, ProviderKind::Github)];
    assert_eq!(
        github_step.remove,
        StepState::AlreadyGone,
        "not \"removed\""
    );
    let terraform_step = &rotation.steps[step_of(&rotation, ProviderKind::Terraform)];
    let StepState::Failed(message) = &terraform_step.remove else {
        panic!("{terraform_step:#?}");
    };
    assert!(message.contains("not deleted"), "{message}");
    let gone = old_ids_on(&rotation, &[ProviderKind::Gcore, ProviderKind::Sesterce]);
    assert_only_changed(&before, &world.key_sets(), &gone, &[0, 0, 0, 0]);
}

#[test]
fn a_resumed_rotation_refuses_an_account_that_moved() {
    let mut world = World::new();
    let mut rotation = world.plan();
    world.add_phase(&mut rotation);
    let store = RotationStore::new(world.dir.path().join("config"));
    store.save(std::slice::from_ref(&rotation)).unwrap();
    let mut rotation = store.load().unwrap().remove(0);
    // The Gcore account now points at another project; the Sesterce step
    // comes from an earlier build's file, without the account's origin.
    let gcore = world
        .profiles
        .iter_mut()
        .find(|profile| profile.id == "gcore")
        .unwrap();
    gcore.settings = gcore
        .settings
        .clone()
        .with_text(keyfleet::providers::spec::FieldKey::Project, "2");
    let sesterce = step_of(&rotation, ProviderKind::Sesterce);
    rotation.steps[sesterce].origin = None;
    let before = world.key_sets();
    world.remove_phase(&mut rotation);
    let gcore_step = &rotation.steps[step_of(&rotation, ProviderKind::Gcore)];
    let StepState::Failed(message) = &gcore_step.remove else {
        panic!("{gcore_step:#?}");
    };
    assert!(
        message.contains("changed")
            && message.contains("project 1")
            && message.contains("project 2"),
        "{message}"
    );
    let StepState::Failed(message) = &rotation.steps[sesterce].remove else {
        panic!("{:#?}", rotation.steps[sesterce]);
    };
    assert!(message.contains("earlier Keyfleet"), "{message}");
    let gone = old_ids_on(&rotation, &[ProviderKind::Github, ProviderKind::Terraform]);
    assert_only_changed(&before, &world.key_sets(), &gone, &[0, 0, 0, 0]);
}

#[test]
fn a_file_from_an_earlier_build_is_read_and_its_steps_refused_not_acted_on() {
    let world = World::new();
    let mut rotation = world.plan();
    world.add_phase(&mut rotation);
    assert_eq!(rotation.phase, Phase::Paused);
    // The same rotation as today's build wrote it: no origin, no per-step
    // fingerprint.
    let mut value = serde_json::to_value(&rotation).unwrap();
    for step in value["steps"].as_array_mut().unwrap() {
        let step = step.as_object_mut().unwrap();
        step.remove("origin");
        step.remove("old_key_sha256");
    }
    let config = world.dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let file = serde_json::json!({ "version": 1, "rotations": [value] });
    std::fs::write(config.join("rotations.json"), file.to_string()).unwrap();
    let mut rotation = RotationStore::new(&config).load().unwrap().remove(0);
    let before = world.key_sets();
    world.remove_phase(&mut rotation);
    for step in &rotation.steps {
        let StepState::Failed(message) = &step.remove else {
            panic!("acted on blindly: {step:#?}");
        };
        assert!(message.contains("earlier Keyfleet"), "{message}");
    }
    assert_eq!(world.key_sets(), before, "nothing deleted");
}

#[test]
fn a_step_saved_without_its_own_fingerprint_is_checked_against_the_groups() {
    let world = World::new();
    let before = world.key_sets();
    let mut rotation = world.plan();
    world.add_phase(&mut rotation);
    assert_eq!(rotation.phase, Phase::Paused);
    // Saved by a build that recorded each account but not each step's
    // fingerprint: the group's (the one every copy was joined by) stands in.
    let mut value = serde_json::to_value(&rotation).unwrap();
    for step in value["steps"].as_array_mut().unwrap() {
        step.as_object_mut().unwrap().remove("old_key_sha256");
    }
    let config = world.dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let file = serde_json::json!({ "version": 1, "rotations": [value] });
    std::fs::write(config.join("rotations.json"), file.to_string()).unwrap();
    let mut rotation = RotationStore::new(&config).load().unwrap().remove(0);
    assert!(
        rotation
            .steps
            .iter()
            .all(|step| step.old_key_sha256.is_none())
    );
    assert_eq!(
        rotation.old.sha256.as_deref(),
        Some(world.old_sha256.as_str())
    );
    world.remove_phase(&mut rotation);
    assert_eq!(rotation.phase, Phase::Done, "{rotation:#?}");
    let gone = old_ids(&rotation);
    assert_only_changed(&before, &world.key_sets(), &gone, &[1, 1, 1, 1]);
}
