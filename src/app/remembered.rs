//! What the window remembers between runs ([`Remembered`]): the selected
//! account, each table's sort, which view and panels are open, the theme
//! and zoom, the hygiene rules and the folders scanned for local keys.
//! Nothing secret: no token, key, passphrase or filter text.
//!
//! eframe stores it (`App::save`, RON, in its storage file) beside the
//! window geometry and egui's memory, which holds the panel and column
//! widths; `main.rs` reads it back from `CreationContext::storage` into
//! [`AppOptions::remembered`](super::AppOptions::remembered).
//!
//! eframe writes that file in place, so a crash can leave it truncated.
//! The settings that matter ([`Settings`]: theme, zoom, hygiene rules, key
//! folders) are therefore also kept in Keyfleet's own `settings.json`
//! (`store::settings`, written atomically), which wins at start-up; the
//! values in the layout are used only when there is no `settings.json` yet
//! (a user upgrading) or it is damaged.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{App, View};
use crate::state::{FleetSort, SortColumn};
use crate::store::settings::{SettingsFile, SettingsRead};
use crate::ui::fleet_panel::HygieneRules;
use crate::ui::toasts::ToastKind;

/// The storage key ([`eframe::set_value`] / [`eframe::get_value`]).
pub const STORAGE_KEY: &str = "keyfleet-layout";

/// Zoom factors outside egui's own zoom range (`egui::gui_zoom`) are
/// ignored: a hand-edited or damaged file must not make the window unusable.
const ZOOM_RANGE: std::ops::RangeInclusive<f32> = 0.2..=5.0;

/// The remembered layout and settings. Every field has a default, so a
/// file from an older version (fewer fields) still loads; one that does
/// not parse at all is ignored ([`Remembered::load`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Remembered {
    /// The account shown (by profile id).
    pub selected_account: Option<String>,
    /// Each account's keys table sort (column, ascending), by profile id.
    pub key_sorts: BTreeMap<String, (SortColumn, bool)>,
    /// "All keys" is shown instead of an account.
    pub all_keys_open: bool,
    /// The "All keys" table's sort.
    pub all_keys_sort: Option<(FleetSort, bool)>,
    /// The details panel is shown.
    pub details_open: bool,
    /// System, light or dark.
    pub theme: egui::ThemePreference,
    /// The UI zoom factor (1.0 is 100 %).
    pub zoom: f32,
    /// The hygiene thresholds of "All keys".
    pub hygiene: HygieneRules,
    /// The folders scanned for local keys; `None` until the user changes
    /// them (then the default, `~/.ssh`, applies).
    pub local_key_dirs: Option<Vec<PathBuf>>,
}

impl Default for Remembered {
    fn default() -> Self {
        Self {
            selected_account: None,
            key_sorts: BTreeMap::new(),
            all_keys_open: false,
            all_keys_sort: None,
            details_open: true,
            theme: egui::ThemePreference::System,
            zoom: 1.0,
            hygiene: HygieneRules::default(),
            local_key_dirs: None,
        }
    }
}

impl Remembered {
    /// The stored value, if there is one and it parses; anything else
    /// (absent, garbled, from an incompatible version) is `None`: the
    /// defaults apply and the next save overwrites it.
    pub fn load(storage: &dyn eframe::Storage) -> Option<Self> {
        eframe::get_value(storage, STORAGE_KEY)
    }

    /// Writes it to `storage`.
    pub fn store(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, self);
    }

    /// The zoom to apply: the stored one if sane, else 100 %.
    pub fn zoom(&self) -> f32 {
        if ZOOM_RANGE.contains(&self.zoom) {
            self.zoom
        } else {
            1.0
        }
    }
}

/// The settings kept in `settings.json`, read by the window and (the key
/// folders) by the command line. Every field has a default, so a file from
/// an older version still loads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// System, light or dark.
    pub theme: egui::ThemePreference,
    /// The UI zoom factor (1.0 is 100 %).
    pub zoom: f32,
    /// The hygiene thresholds of "All keys".
    pub hygiene: HygieneRules,
    /// The folders scanned for local keys; `None` until the user changes
    /// them (then the default, `~/.ssh`, applies).
    pub local_key_dirs: Option<Vec<PathBuf>>,
}

impl Default for Settings {
    fn default() -> Self {
        Remembered::default().settings()
    }
}

impl Remembered {
    /// The part kept in `settings.json`.
    pub fn settings(&self) -> Settings {
        Settings {
            theme: self.theme,
            zoom: self.zoom,
            hygiene: self.hygiene,
            local_key_dirs: self.local_key_dirs.clone(),
        }
    }

    /// This layout with `settings` in place of its own.
    pub fn with_settings(self, settings: Settings) -> Self {
        Self {
            theme: settings.theme,
            zoom: settings.zoom,
            hygiene: settings.hygiene,
            local_key_dirs: settings.local_key_dirs,
            ..self
        }
    }
}

/// The window's own state that is remembered between runs (the rest is
/// kept by its owners and read when saving: each table's sort by the table,
/// the hygiene rules and folders by "All keys", theme and zoom by egui).
#[derive(Debug)]
pub(super) struct Layout {
    /// What the middle shows; `None` only while there is no account.
    pub(super) view: Option<View>,
    /// The details panel is shown (it shows the shown account's selected
    /// key, or how to select one).
    pub(super) details_open: bool,
    /// The user chose the local key folders (so they are remembered; until
    /// then the default, `~/.ssh`, follows the environment).
    pub(super) local_dirs_chosen: bool,
    /// The remembered theme and zoom, until the first frame applies them.
    pub(super) look_to_apply: Option<(egui::ThemePreference, f32)>,
}

impl Layout {
    /// Showing the first of `profiles`, if any, with the details panel.
    pub(super) fn new(first_profile: Option<&str>) -> Self {
        Self {
            view: first_profile.map(|id| View::Account(id.to_string())),
            details_open: true,
            local_dirs_chosen: false,
            look_to_apply: None,
        }
    }

    /// The shown account's id; `None` while "All keys" is shown.
    pub(super) fn account(&self) -> Option<&str> {
        match &self.view {
            Some(View::Account(id)) => Some(id),
            Some(View::AllKeys) | None => None,
        }
    }

    /// True while "All keys" is shown.
    pub(super) fn all_keys(&self) -> bool {
        self.view == Some(View::AllKeys)
    }
}

impl App {
    /// Applies the remembered layout (`None`: eframe had none, or it did not
    /// parse) with the settings of `settings.json` over it. A damaged
    /// settings file is moved aside and reported; the layout's values are
    /// used then, as for a user upgrading from before `settings.json`.
    pub(super) fn restore_remembered(&mut self, layout: Option<Remembered>) {
        let file = SettingsFile::new(self.accounts.store().dir());
        let remembered = match file.read::<Settings>() {
            SettingsRead::Read(settings) => {
                Some(layout.unwrap_or_default().with_settings(settings))
            }
            SettingsRead::Missing => layout,
            SettingsRead::Damaged(reason) => {
                let moved = match file.move_aside() {
                    Ok(backup) => format!("It was moved to {}.", backup.display()),
                    Err(err) => format!("{err}."),
                };
                self.toasts.push(
                    ToastKind::Error,
                    "Problem with the settings file",
                    Some(format!(
                        "{reason}. {moved} The settings remembered with the window layout are used."
                    )),
                );
                layout
            }
        };
        if let Some(remembered) = remembered {
            self.restore(remembered);
        }
    }

    /// Remembers the layout in eframe's `storage` and the settings in
    /// `settings.json` (written only when they changed). Nothing is kept
    /// for the demo.
    pub(super) fn save_remembered(&mut self, storage: &mut dyn eframe::Storage) {
        if self.window.demo {
            return;
        }
        let remembered = self.remembered();
        remembered.store(storage);
        // eframe saves every 30 s and on exit, and has nowhere to show an
        // error: a failure is logged, and the layout above still holds them.
        if let Err(err) =
            SettingsFile::new(self.accounts.store().dir()).save(&remembered.settings())
        {
            tracing::warn!("{err}");
        }
    }

    /// Applies the remembered theme and zoom, once, at the start of the
    /// first frame: whatever builds the app (eframe, a test harness) may
    /// still set the context up after `App::new`, and the user's choice
    /// must win.
    pub(super) fn apply_remembered_look(&mut self, ctx: &egui::Context) {
        if let Some((theme, zoom)) = self.layout.look_to_apply.take() {
            ctx.set_theme(theme);
            ctx.set_zoom_factor(zoom);
        }
    }

    /// The layout and settings as they are now.
    pub fn remembered(&self) -> Remembered {
        let key_sorts = self
            .accounts
            .profiles()
            .iter()
            .filter_map(|profile| {
                let sort = self.accounts.get(&profile.id)?.table.sort()?;
                Some((profile.id.clone(), sort))
            })
            .collect();
        let ctx = &self.window.ctx;
        Remembered {
            selected_account: self.layout.account().map(str::to_string),
            key_sorts,
            all_keys_open: self.layout.all_keys(),
            all_keys_sort: self.fleet.table().sort(),
            details_open: self.layout.details_open,
            theme: ctx.options(|options| options.theme_preference),
            zoom: ctx.zoom_factor(),
            hygiene: self.fleet.rules(),
            local_key_dirs: self
                .layout
                .local_dirs_chosen
                .then(|| self.fleet.local_dirs().to_vec()),
        }
    }

    /// Applies a remembered layout at start-up (after the profiles are
    /// loaded: a remembered account that no longer exists is ignored).
    pub(super) fn restore(&mut self, remembered: Remembered) {
        let zoom = remembered.zoom();
        // All keys opens without an account too (this computer's keys).
        if remembered.all_keys_open {
            self.layout.view = Some(View::AllKeys);
        } else if let Some(id) = remembered.selected_account
            && self.accounts.profile(&id).is_some()
        {
            self.layout.view = Some(View::Account(id));
        }
        for (id, sort) in remembered.key_sorts {
            if self.accounts.profile(&id).is_some() {
                self.accounts.entry(&id).table.set_sort(Some(sort));
            }
        }
        self.fleet.set_sort(remembered.all_keys_sort);
        self.layout.details_open = remembered.details_open;
        self.layout.look_to_apply = Some((remembered.theme, zoom));
        self.fleet.set_rules(remembered.hygiene);
        if let Some(dirs) = remembered.local_key_dirs {
            self.fleet.set_local_dirs(dirs);
            self.layout.local_dirs_chosen = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;
    use crate::app::AppOptions;
    use crate::backend::{ScriptedDialogs, Services};
    use crate::providers::HttpPolicy;

    /// eframe's storage, in memory.
    #[derive(Default)]
    struct Stored(HashMap<String, String>);

    impl eframe::Storage for Stored {
        fn get_string(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn set_string(&mut self, key: &str, value: String) {
            self.0.insert(key.to_string(), value);
        }
        fn remove_string(&mut self, key: &str) {
            self.0.remove(key);
        }
        fn flush(&mut self) {}
    }

    /// A layout as the build before [`View`] stored it (eframe's RON), with
    /// "All keys" shown over a selected account.
    const SAVED_BEFORE_VIEW: &str = r#"(selected_account:Some("ACCOUNT"),key_sorts:{"ACCOUNT":(Name,false)},all_keys_open:true,all_keys_sort:Some((Accounts,true)),details_open:false,theme:Light,zoom:1.25,hygiene:(strict:true,max_age_days:90,max_accounts:2),local_key_dirs:Some(["/home/user/keys"]))"#;

    fn stored(text: &str) -> Stored {
        let mut storage = Stored::default();
        eframe::Storage::set_string(&mut storage, STORAGE_KEY, text.to_string());
        storage
    }

    #[test]
    fn a_layout_saved_before_view_still_loads_and_is_written_the_same_way() {
        let loaded = Remembered::load(&stored(SAVED_BEFORE_VIEW)).expect("it parses");
        assert_eq!(loaded.selected_account.as_deref(), Some("ACCOUNT"));
        assert_eq!(
            loaded.key_sorts.get("ACCOUNT"),
            Some(&(SortColumn::Name, false))
        );
        assert!(loaded.all_keys_open);
        assert_eq!(loaded.all_keys_sort, Some((FleetSort::Accounts, true)));
        assert!(!loaded.details_open);
        assert_eq!(loaded.theme, egui::ThemePreference::Light);
        assert_eq!(loaded.zoom(), 1.25);
        assert!(loaded.hygiene.strict);
        assert_eq!(
            loaded.local_key_dirs,
            Some(vec![PathBuf::from("/home/user/keys")])
        );
        // The format did not change: written again, it is the same text,
        // with only the hygiene rule added since (expiry) at its default.
        let mut again = Stored::default();
        loaded.store(&mut again);
        let expected =
            SAVED_BEFORE_VIEW.replace("max_accounts:2)", "max_accounts:2,expiring_days:14)");
        assert_eq!(
            eframe::Storage::get_string(&again, STORAGE_KEY).as_deref(),
            Some(expected.as_str())
        );
    }

    /// An app on `demo`'s accounts, started from `remembered`.
    fn app_from(demo: &crate::demo::Demo, remembered: Remembered) -> App {
        App::new(
            &egui::Context::default(),
            AppOptions {
                store: demo.store.clone(),
                services: Services {
                    secrets: demo.secrets.clone(),
                    dialogs: Arc::new(ScriptedDialogs::default()),
                    http_policy: HttpPolicy::default(),
                    agent: Default::default(),
                },
                demo: true,
                local_key_dirs: vec![demo.local_key_dir.clone()],
                remembered: Some(remembered),
            },
        )
    }

    #[test]
    fn the_two_remembered_fields_become_one_view_and_back() {
        let demo = crate::demo::Demo::start().unwrap();
        let app = app_from(&demo, Remembered::default());
        let ids: Vec<String> = app.profiles().iter().map(|p| p.id.clone()).collect();
        assert_eq!(app.view(), Some(&View::Account(ids[0].clone())));
        // "All keys" over a selected account (as saved before `View`):
        // "All keys" is shown, and no account is said to be.
        let text = SAVED_BEFORE_VIEW.replace("ACCOUNT", &ids[1]);
        let app = app_from(&demo, Remembered::load(&stored(&text)).unwrap());
        assert_eq!(app.view(), Some(&View::AllKeys));
        assert_eq!(app.selected(), None);
        let saved = app.remembered();
        assert!(saved.all_keys_open);
        assert_eq!(saved.selected_account, None);
        let sort = Some(&(SortColumn::Name, false));
        assert_eq!(saved.key_sorts.get(&ids[1]), sort);
        // An account that was removed since is not shown.
        let removed = Remembered {
            selected_account: Some("removed-since".into()),
            ..Remembered::default()
        };
        let app = app_from(&demo, removed);
        assert_eq!(app.view(), Some(&View::Account(ids[0].clone())));
        // The second account, remembered, is shown again.
        let second = Remembered {
            selected_account: Some(ids[1].clone()),
            ..Remembered::default()
        };
        let app = app_from(&demo, second);
        assert_eq!(app.view(), Some(&View::Account(ids[1].clone())));
        let saved = app.remembered();
        assert_eq!(saved.selected_account.as_deref(), Some(ids[1].as_str()));
    }
}
