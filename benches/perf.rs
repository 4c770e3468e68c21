//! Keyfleet's performance figures, each as a ratio against a baseline
//! measured in the same run (absolute times drift on shared machines).
//!
//! Run: `cargo bench --bench perf` (release build). Prints a Markdown table.

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyfleet::backend::{Backend, Command, EventPayload, ScriptedDialogs, Services};
use keyfleet::keys::SecretString;
use keyfleet::providers::{HttpPolicy, ProviderKind, RemoteKey};
use keyfleet::sandbox::{GCORE_TOKEN, Sandbox};
use keyfleet::state::KeyTable;
use keyfleet::store::secrets::SecretStore;
use keyfleet::store::{MemoryStore, Profile};
use keyfleet::ui::{UiAction, keys_panel};

fn sample_keys(count: usize) -> Vec<RemoteKey> {
    // Real fingerprints of a few keys, cycled: parsing is not what is measured here.
    let seeds: Vec<ssh_key::PublicKey> = (0..16)
        .map(|_| {
            ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
                .unwrap()
                .public_key()
                .clone()
        })
        .collect();
    (0..count)
        .map(|i| {
            let key = &seeds[i % seeds.len()];
            RemoteKey {
                id: format!("{i:08x}-0000-4000-8000-000000000000"),
                name: format!("key-{i:06}"),
                public_key: Some(key.to_openssh().unwrap()),
                fingerprint_sha256: Some(keyfleet::keys::public::fingerprint_sha256(key)),
                fingerprint_md5: Some(keyfleet::keys::public::fingerprint_md5(key)),
                algorithm: Some("ssh-ed25519".into()),
                comment: Some(format!("user{i}@host")),
                created_at: Some(format!("2025-01-{:02}T10:00:00Z", 1 + i % 28)),
                shared_in_project: Some(i % 2 == 0),
                state: Some("ACTIVE".into()),
                ..RemoteKey::default()
            }
        })
        .collect()
}

fn input_with_scroll(frame: usize) -> egui::RawInput {
    let mut input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1400.0, 900.0),
        )),
        ..Default::default()
    };
    input
        .events
        .push(egui::Event::PointerMoved(egui::pos2(700.0, 500.0)));
    // Scroll down a bit every frame so rows change, as while scrolling.
    if frame > 0 {
        input.events.push(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -60.0),
            modifiers: egui::Modifiers::NONE,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
        });
    }
    input
}

/// CPU time per frame of Keyfleet's keys panel.
fn keyfleet_frame_time(keys: &[RemoteKey], filter: &str, frames: usize) -> Duration {
    let ctx = egui::Context::default();
    let mut profile = Profile::new(ProviderKind::Gcore);
    profile.name = "bench".into();
    profile.project_id = Some(1);
    let mut table = KeyTable::default();
    table.set_rows(keys.to_vec());
    table.set_filter(filter);
    let mut actions: Vec<UiAction> = Vec::new();
    let mut run = |frame: usize| {
        let _ = ctx.run_ui(input_with_scroll(frame), |ui| {
            egui::CentralPanel::default().show(ui, |ui| {
                keys_panel::show(
                    ui,
                    keys_panel::KeysView {
                        profile: &profile,
                        table: &mut table,
                        loading: false,
                        loaded: true,
                        error: None,
                        busy_keys: &[],
                    },
                    &mut actions,
                );
            });
        });
    };
    for frame in 0..5 {
        run(frame);
    }
    let start = Instant::now();
    for frame in 5..5 + frames {
        run(frame);
    }
    start.elapsed() / frames as u32
}

/// CPU time per frame of a bare egui_extras table with the same rows and columns.
fn bare_frame_time(keys: &[RemoteKey], filter: &str, frames: usize) -> Duration {
    let ctx = egui::Context::default();
    let needle = filter.to_lowercase();
    // The bare table filters once up front: the most favourable baseline.
    let rows: Vec<&RemoteKey> = keys
        .iter()
        .filter(|k| needle.is_empty() || k.name.to_lowercase().contains(&needle))
        .collect();
    let run = |frame: usize| {
        let _ = ctx.run_ui(input_with_scroll(frame), |ui| {
            egui::CentralPanel::default().show(ui, |ui| {
                let mut builder = egui_extras::TableBuilder::new(ui).striped(true);
                for _ in 0..8 {
                    builder = builder.column(egui_extras::Column::initial(150.0).clip(true));
                }
                builder
                    .header(24.0, |mut header| {
                        for title in [
                            "Name",
                            "Algorithm",
                            "SHA256",
                            "MD5",
                            "Shared",
                            "State",
                            "Created",
                            "Actions",
                        ] {
                            header.col(|ui| {
                                ui.strong(title);
                            });
                        }
                    })
                    .body(|body| {
                        body.rows(keys_panel::ROW_HEIGHT, rows.len(), |mut row| {
                            let key = rows[row.index()];
                            row.col(|ui| {
                                ui.label(&key.name);
                            });
                            row.col(|ui| {
                                ui.label(key.algorithm.as_deref().unwrap_or(""));
                            });
                            row.col(|ui| {
                                ui.monospace(key.fingerprint_sha256.as_deref().unwrap_or(""));
                            });
                            row.col(|ui| {
                                ui.monospace(key.fingerprint_md5.as_deref().unwrap_or(""));
                            });
                            row.col(|ui| {
                                ui.label("yes");
                            });
                            row.col(|ui| {
                                ui.label(key.state.as_deref().unwrap_or(""));
                            });
                            row.col(|ui| {
                                ui.label(key.created_at.as_deref().unwrap_or(""));
                            });
                            row.col(|ui| {
                                let _ = ui.small_button("Copy key");
                                let _ = ui.small_button("Copy SHA256");
                                let _ = ui.small_button("Share");
                                let _ = ui.small_button("Delete");
                            });
                        });
                    });
            });
        });
    };
    for frame in 0..5 {
        run(frame);
    }
    let start = Instant::now();
    for frame in 5..5 + frames {
        run(frame);
    }
    start.elapsed() / frames as u32
}

/// Time to apply one typed character to the filter with `count` keys, vs a frame.
fn filter_keystroke(keys: &[RemoteKey]) -> (Duration, Duration) {
    let mut table = KeyTable::default();
    table.set_rows(keys.to_vec());
    table.toggle_sort(keyfleet::state::SortColumn::Name);
    let rounds = 20;
    let start = Instant::now();
    for round in 0..rounds {
        table.set_filter("key-0");
        table.set_filter(&format!("key-0{}", round % 10));
    }
    let per_keystroke = start.elapsed() / (rounds * 2);
    let frame = keyfleet_frame_time(keys, "", 20);
    (per_keystroke, frame)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn fingerprints_vs_ssh_keygen() -> (Duration, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.pub");
    let lines: Vec<String> = (0..10_000)
        .map(|i| {
            ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
                .unwrap()
                .public_key()
                .to_openssh()
                .unwrap()
                + &format!(" k{i}")
        })
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let start = Instant::now();
    let mut count = 0;
    for line in &lines {
        let parsed = keyfleet::keys::public::parse_public_key(line).unwrap();
        count += parsed.fingerprint_sha256.len();
    }
    let ours = start.elapsed();
    assert!(count > 0);
    let start = Instant::now();
    let output = std::process::Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen");
    let theirs = start.elapsed();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).lines().count(),
        10_000
    );
    (ours, theirs)
}

fn refresh_many_accounts(accounts: usize, latency: Duration) -> (Duration, Duration) {
    let sandbox = Sandbox::start().unwrap();
    for i in 0..5 {
        let key = ssh_key::PrivateKey::random(
            &mut ssh_key::rand_core::OsRng,
            ssh_key::Algorithm::Ed25519,
        )
        .unwrap()
        .public_key()
        .to_openssh()
        .unwrap();
        sandbox.gcore.add_key(1, &format!("k{i}"), &key, true);
    }
    sandbox.gcore.faults().set_latency(latency);
    let secrets = Arc::new(MemoryStore::default());
    let profiles: Vec<Profile> = (0..accounts)
        .map(|i| {
            let mut p = Profile::new(ProviderKind::Gcore);
            p.name = format!("acct{i}");
            p.base_url = sandbox.gcore_url.clone();
            p.project_id = Some(1);
            secrets.set(&p.id, &SecretString::new(GCORE_TOKEN)).unwrap();
            p
        })
        .collect();
    let mut backend = Backend::start(
        || {},
        Services {
            secrets,
            dialogs: Arc::new(ScriptedDialogs::default()),
            http_policy: HttpPolicy::default(),
        },
    );
    let wait = |backend: &mut Backend, n: usize| {
        let mut got = 0;
        while got < n {
            if let Some(event) = backend.try_recv() {
                assert!(
                    matches!(event.payload, EventPayload::KeysListed(Ok(_))),
                    "{:?}",
                    event.payload
                );
                got += 1;
            } else {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    };
    // Warm up connections.
    let first = profiles[0].clone();
    backend.send(|request| Command::ListKeys {
        request,
        profile: first,
    });
    wait(&mut backend, 1);
    let single = profiles[0].clone();
    let start = Instant::now();
    backend.send(|request| Command::ListKeys {
        request,
        profile: single,
    });
    wait(&mut backend, 1);
    let one = start.elapsed();
    let start = Instant::now();
    for profile in &profiles {
        let profile = profile.clone();
        backend.send(|request| Command::ListKeys { request, profile });
    }
    wait(&mut backend, accounts);
    (start.elapsed(), one)
}

fn main() {
    // `cargo test --benches` passes --bench-less args; run only under `cargo bench`.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("| what | Keyfleet | baseline | ratio |\n|---|---|---|---|");
    for count in [10_000usize, 100_000] {
        let keys = sample_keys(count);
        for filter in ["", "key-00"] {
            let frames = if count > 50_000 { 40 } else { 80 };
            let ours = keyfleet_frame_time(&keys, filter, frames);
            let bare = bare_frame_time(&keys, filter, frames);
            println!(
                "| frame, {count} keys, filter {:?}, scrolling | {:.3} ms | bare table {:.3} ms | {:.2}× |",
                filter,
                ms(ours),
                ms(bare),
                ours.as_secs_f64() / bare.as_secs_f64()
            );
        }
    }
    let keys = sample_keys(100_000);
    let (keystroke, frame) = filter_keystroke(&keys);
    println!(
        "| one filter keystroke, 100000 keys | {:.3} ms | frame {:.3} ms | {:.2}× |",
        ms(keystroke),
        ms(frame),
        keystroke.as_secs_f64() / frame.as_secs_f64()
    );
    let (ours, theirs) = fingerprints_vs_ssh_keygen();
    println!(
        "| SHA256 fingerprints of 10000 keys | {:.1} ms | ssh-keygen -l {:.1} ms | {:.1}× faster |",
        ms(ours),
        ms(theirs),
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
    let (all, one) = refresh_many_accounts(20, Duration::from_millis(200));
    println!(
        "| refresh 20 accounts, 200 ms latency | {:.0} ms | one request {:.0} ms | {:.2}× |",
        ms(all),
        ms(one),
        all.as_secs_f64() / one.as_secs_f64()
    );
}
