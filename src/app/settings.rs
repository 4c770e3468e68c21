//! The settings dialog's changes to the app (theme and zoom are egui's and
//! set by the dialog itself).

use std::path::PathBuf;

use super::App;
use crate::ui::settings_modal::SettingsModal;

impl App {
    /// Opens the settings dialog over the window (not over another dialog).
    pub(super) fn open_settings(&mut self) {
        if self.modal_open() {
            return;
        }
        let modal = SettingsModal::new(self.fleet.rules(), self.fleet.local_dirs().to_vec());
        self.modals.open(Box::new(modal));
    }

    /// Scans these folders for local keys from now on; "All keys" scans
    /// again (now if it is shown, else when it is next opened). Remembered
    /// from now on, even if the list is the default one again.
    pub(super) fn set_local_key_dirs(&mut self, dirs: Vec<PathBuf>) {
        self.fleet.set_local_dirs(dirs);
        self.layout.local_dirs_chosen = true;
    }
}
