//! The rotation's last page, about `~/.ssh/config`: the `Host` blocks that
//! still name the old key's file, and on request the exact lines to change,
//! copyable, with the new key's path. Keyfleet never edits the config.

use std::path::{Path, PathBuf};

use crate::backend::{Backend, Command, Pending};
use crate::inventory::ssh_config::{IdentityEntry, SshConfigSource, SshHosts};

/// What the page knows and has read of `~/.ssh/config`.
#[derive(Debug, Default)]
pub struct ConfigFollowUp {
    /// The config to read (`None`: not read, nothing shown).
    source: Option<SshConfigSource>,
    /// The old key's files, for lines naming it by path.
    old_paths: Vec<PathBuf>,
    pending: Option<Pending<SshHosts>>,
    read: Option<SshHosts>,
    show_lines: bool,
}

/// One line to change: where, the line now, the line to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineChange {
    /// `file:line`.
    pub location: String,
    /// The `Host` patterns of its block.
    pub hosts: String,
    /// The line as it is.
    pub old: String,
    /// The line naming the new key.
    pub new: String,
}

/// The changes for the lines naming the old key (`old_sha256`, or one of
/// `old_paths`), each rewritten to name `new_path`.
pub fn line_changes(
    hosts: &SshHosts,
    old_sha256: Option<&str>,
    old_paths: &[PathBuf],
    new_path: &Path,
) -> Vec<LineChange> {
    let home = hosts
        .source
        .as_ref()
        .map(|source| source.home.clone())
        .unwrap_or_default();
    let mut changes: Vec<LineChange> = Vec::new();
    for entry in hosts.naming(old_sha256, old_paths) {
        let change = change_for(entry, new_path, &home);
        // `%h` lines resolve once per pattern: the line is one line.
        if !changes
            .iter()
            .any(|known| known.location == change.location)
        {
            changes.push(change);
        }
    }
    changes
}

fn change_for(entry: &IdentityEntry, new_path: &Path, home: &Path) -> LineChange {
    LineChange {
        location: entry.location(),
        hosts: entry.hosts.clone(),
        old: entry.text.clone(),
        new: entry.replacement(new_path, home),
    }
}

impl ConfigFollowUp {
    /// Reads `source` when the rotation is done, looking for `old_paths`.
    pub fn new(source: Option<SshConfigSource>, old_paths: Vec<PathBuf>) -> Self {
        Self {
            source,
            old_paths,
            ..Self::default()
        }
    }

    /// Whether there is a config to read.
    pub fn has_source(&self) -> bool {
        self.source.is_some()
    }

    /// Reads the config again and applies the answer; call every frame the
    /// page is shown.
    fn poll(&mut self, backend: &Backend) {
        if self.read.is_none()
            && self.pending.is_none()
            && let Some(source) = self.source.clone()
        {
            self.pending = Some(backend.request(|reply| Command::ReadSshHosts { reply, source }));
        }
        if let Some(pending) = &mut self.pending
            && let Some(answer) = pending.try_take()
        {
            self.pending = None;
            self.read = Some(answer.unwrap_or_default());
        }
    }

    /// Draws the section under the rotation's "Done".
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        backend: &Backend,
        old_sha256: Option<&str>,
        new_path: &Path,
    ) {
        self.poll(backend);
        let Some(hosts) = &self.read else {
            if self.pending.is_some() {
                ui.horizontal(|ui| {
                    ui.add(egui::Spinner::new());
                    ui.label("Reading ~/.ssh/config…");
                });
            }
            return;
        };
        let changes = line_changes(hosts, old_sha256, &self.old_paths, new_path);
        if changes.is_empty() {
            return;
        }
        ui.separator();
        super::warning_line(
            ui,
            &format!(
                "~/.ssh/config still names the old key in {} Host block(s):",
                changes.len()
            ),
        );
        for change in &changes {
            ui.label(format!("Host {}  ({})", change.hosts, change.location));
        }
        ui.weak("Keyfleet does not change your ssh config: edit these lines yourself.");
        if !self.show_lines {
            self.show_lines = ui.button("Show the exact lines to change").clicked();
            return;
        }
        lines_to_change(ui, &changes);
    }
}

/// Each line as it is and as it should be, selectable, and one button
/// copying them all.
fn lines_to_change(ui: &mut egui::Ui, changes: &[LineChange]) {
    let text: String = changes
        .iter()
        .map(|change| {
            format!(
                "# {} (Host {})\n- {}\n+ {}\n",
                change.location, change.hosts, change.old, change.new
            )
        })
        .collect();
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.add(
            egui::Label::new(egui::RichText::new(text.trim_end()).monospace())
                .wrap()
                .selectable(true),
        );
    });
    if ui
        .button("Copy")
        .on_hover_text("Copy these lines (the ones with + are the new lines)")
        .clicked()
    {
        ui.ctx().copy_text(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::ssh_config::IdentityState;

    #[test]
    fn every_line_naming_the_old_key_gets_one_change_naming_the_new_one() {
        let entry =
            |hosts: &str, line: usize, text: &str, path: &str, sha: Option<&str>| IdentityEntry {
                hosts: hosts.into(),
                config_file: PathBuf::from("/home/me/.ssh/config"),
                line,
                text: text.into(),
                path: PathBuf::from(path),
                state: IdentityState::Key {
                    sha256: sha.map(str::to_string),
                },
            };
        let hosts = SshHosts {
            source: Some(SshConfigSource::in_home(Path::new("/home/me"), None)),
            entries: vec![
                entry(
                    "a",
                    2,
                    "IdentityFile ~/.ssh/old",
                    "/home/me/.ssh/old",
                    Some("SHA256:old"),
                ),
                // `%h` resolved for two patterns: one line.
                entry(
                    "b",
                    5,
                    "IdentityFile ~/.ssh/%h",
                    "/home/me/.ssh/b",
                    Some("SHA256:old"),
                ),
                entry(
                    "c",
                    5,
                    "IdentityFile ~/.ssh/%h",
                    "/home/me/.ssh/c",
                    Some("SHA256:old"),
                ),
                entry(
                    "d",
                    8,
                    "IdentityFile ~/.ssh/other",
                    "/home/me/.ssh/other",
                    Some("SHA256:x"),
                ),
            ],
            notes: Vec::new(),
        };
        let changes = line_changes(
            &hosts,
            Some("SHA256:old"),
            &[],
            Path::new("/home/me/.ssh/new-2026"),
        );
        assert_eq!(
            changes,
            [
                LineChange {
                    location: "/home/me/.ssh/config:2".into(),
                    hosts: "a".into(),
                    old: "IdentityFile ~/.ssh/old".into(),
                    new: "IdentityFile ~/.ssh/new-2026".into(),
                },
                LineChange {
                    location: "/home/me/.ssh/config:5".into(),
                    hosts: "b".into(),
                    old: "IdentityFile ~/.ssh/%h".into(),
                    new: "IdentityFile ~/.ssh/new-2026".into(),
                },
            ]
        );
    }
}
