//! Native file dialogs, behind a trait so tests can answer them.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Mutex;

/// Asks the user for paths. Implementations may block (run off the UI thread).
pub trait FileDialogs: Send + Sync {
    /// A file to open; `None` when cancelled.
    fn pick_open(&self, title: &str, filter_name: &str, extensions: &[&str]) -> Option<PathBuf>;
    /// A path to save to; `None` when cancelled.
    fn pick_save(&self, title: &str, suggested_name: &str) -> Option<PathBuf>;
    /// A folder; `None` when cancelled.
    fn pick_folder(&self, title: &str) -> Option<PathBuf>;
}

/// The platform's dialogs (`rfd`; on Linux through the XDG desktop portal).
#[derive(Debug, Default)]
pub struct NativeDialogs;

impl FileDialogs for NativeDialogs {
    fn pick_open(&self, title: &str, filter_name: &str, extensions: &[&str]) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new().set_title(title);
        if !extensions.is_empty() {
            dialog = dialog
                .add_filter(filter_name, extensions)
                .add_filter("All files", &["*"]);
        }
        if let Some(ssh_dir) = directories::UserDirs::new().map(|dirs| dirs.home_dir().join(".ssh"))
            && ssh_dir.is_dir()
        {
            dialog = dialog.set_directory(ssh_dir);
        }
        dialog.pick_file()
    }

    fn pick_save(&self, title: &str, suggested_name: &str) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new()
            .set_title(title)
            .set_file_name(suggested_name)
            .set_can_create_directories(true);
        // `~/.ssh`, else the home folder: never whatever folder Keyfleet
        // was started from.
        if let Some(home) = directories::UserDirs::new().map(|dirs| dirs.home_dir().to_path_buf()) {
            let ssh_dir = home.join(".ssh");
            dialog = dialog.set_directory(if ssh_dir.is_dir() { ssh_dir } else { home });
        }
        dialog.save_file()
    }

    fn pick_folder(&self, title: &str) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new().set_title(title);
        if let Some(home) = directories::UserDirs::new().map(|dirs| dirs.home_dir().to_path_buf()) {
            dialog = dialog.set_directory(home);
        }
        dialog.pick_folder()
    }
}

/// Dialogs that answer from a script (tests): each call takes the next
/// queued path, or cancels when the queue is empty.
#[derive(Debug, Default)]
pub struct ScriptedDialogs {
    answers: Mutex<VecDeque<PathBuf>>,
}

impl ScriptedDialogs {
    /// Queues the answer for the next dialog.
    pub fn push(&self, path: impl Into<PathBuf>) {
        self.answers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(path.into());
    }

    fn next(&self) -> Option<PathBuf> {
        self.answers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }
}

impl FileDialogs for ScriptedDialogs {
    fn pick_open(&self, _: &str, _: &str, _: &[&str]) -> Option<PathBuf> {
        self.next()
    }

    fn pick_save(&self, _: &str, _: &str) -> Option<PathBuf> {
        self.next()
    }

    fn pick_folder(&self, _: &str) -> Option<PathBuf> {
        self.next()
    }
}
