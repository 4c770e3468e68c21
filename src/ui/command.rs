//! Every command the user can give the window, in one list (after rerun's
//! `re_ui` `UICommand`): its label, hint, keyboard shortcuts, whether the
//! command palette offers it, and when it is available. The keyboard
//! (`app/keyboard.rs`), the palette (`app/palette.rs`), the keys table's
//! context menu and the details panel's buttons are all drawn from it, so
//! they cannot disagree, and [`tests`] checks that no two commands share a
//! shortcut and that none steals a text box's keys while the user types.
//!
//! The list's order is the palette's order. A command's availability is a
//! function of a [`CommandContext`], which the app builds from its state.

use std::borrow::Cow;
use std::cmp::Reverse;

use egui::{Event, Key, KeyboardShortcut, Modifiers};

use super::{UiAction, shortcuts};
use crate::inventory::KeyGroup;
use crate::providers::{Capabilities, KeyScope, ProviderSpec, RemoteKey};

/// Declares [`UICommand`] and [`UICommand::ALL`] from one list, so a new
/// command can never be missing from `ALL` (the clash test and the palette
/// walk `ALL`).
macro_rules! commands {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        /// A command of the window. See the module's documentation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum UICommand {
            $($(#[doc = $doc])* $name,)*
        }

        impl UICommand {
            /// Every command, in the palette's order.
            pub const ALL: &'static [UICommand] = &[$(UICommand::$name,)*];
        }
    };
}

commands! {
    /// Reload every account.
    RefreshAll,
    /// Reload the selected account.
    Refresh,
    /// Open the "Add key" dialog for the shown account.
    AddKey,
    /// Open the "Generate key" dialog for the shown account.
    GenerateKey,
    /// Put the cursor in the shown view's filter box.
    FocusFilter,
    /// Show the details panel.
    ShowDetails,
    /// Hide the details panel.
    HideDetails,
    /// Open the profile dialog on the selected account.
    EditAccount,
    /// Ask before removing the selected account.
    RemoveAccount,
    /// Copy the key's public key.
    CopyKey,
    /// Copy the key's SHA256 fingerprint.
    CopySha256,
    /// Share the key with the project.
    Share,
    /// Stop sharing the key with the project.
    Unshare,
    /// Make the key the account's default.
    MakeDefault,
    /// Open the rename dialog on the key.
    RenameKey,
    /// Copy a legacy regional keypair to the project's keys.
    CopyToProject,
    /// Replace the key on every account holding it (the rotation wizard).
    RotateKey,
    /// Ask before deleting the key.
    DeleteKey,
    /// Add a key group's key to other accounts (All keys).
    PublishKey,
    /// Ask before deleting a key group's key from every account holding it
    /// (All keys).
    RemoveEverywhere,
    /// Write an OpenSSH private key from a key group's PuTTY `.ppk` file
    /// (All keys).
    ConvertPpk,
    /// Open the "Add to agent" dialog on a key group's private key file
    /// (All keys).
    AddToAgent,
    /// Remove a key group's key from the ssh-agent (All keys).
    RemoveFromAgent,
    /// Ask before removing every key from the ssh-agent (`ssh-add -D`).
    RemoveAllFromAgent,
    /// Open the profile dialog for a new account.
    AddAccount,
    /// Open the settings dialog.
    Settings,
    /// Clear the shown view's filter.
    ClearFilter,
    /// Open the command palette.
    OpenPalette,
    /// Select the row above.
    SelectPrevious,
    /// Select the row below.
    SelectNext,
    /// Select a page of rows up.
    SelectPageUp,
    /// Select a page of rows down.
    SelectPageDown,
    /// Select the first row.
    SelectFirst,
    /// Select the last row.
    SelectLast,
}

/// The selected account, as commands need it.
#[derive(Clone, Copy, Debug)]
pub struct AccountRef<'a> {
    /// The profile's id.
    pub id: &'a str,
    /// Its display name.
    pub name: &'a str,
    /// Its provider.
    pub spec: &'static ProviderSpec,
}

/// The key a command acts on, with what its provider allows.
#[derive(Clone, Copy, Debug)]
pub struct KeyRef<'a> {
    /// The key.
    pub key: &'a RemoteKey,
    /// Its provider's capabilities.
    pub capabilities: Capabilities,
}

/// The state commands are available in: the window behind any modal (the
/// palette lists what the window offers; the keyboard does nothing at all
/// while a modal is open).
#[derive(Clone, Copy, Debug, Default)]
pub struct CommandContext<'a> {
    /// The selected account (also while "All keys" is shown).
    pub account: Option<AccountRef<'a>>,
    /// The selected account's keys are on screen (not "All keys").
    pub account_shown: bool,
    /// "All keys" is on screen.
    pub fleet_shown: bool,
    /// The key acted on: the shown table's selected key, or a menu's row.
    pub key: Option<KeyRef<'a>>,
    /// The details panel is open.
    pub details_open: bool,
    /// The shown view's filter is not empty.
    pub filter_active: bool,
    /// The key group a menu of "All keys" acts on.
    pub group: Option<&'a KeyGroup>,
    /// The ssh-agent's side of [`CommandContext::group`].
    pub group_agent: GroupAgent<'a>,
    /// Keys the ssh-agent holds; `None` when there is no agent (or it was
    /// not listed yet).
    pub agent_keys: Option<usize>,
}

/// A key group as the ssh-agent commands see it.
#[derive(Clone, Copy, Debug, Default)]
pub struct GroupAgent<'a> {
    /// The group's private key file on this computer, if there is one.
    pub private_key: Option<&'a std::path::Path>,
    /// The agent holds the key.
    pub in_agent: bool,
    /// There is an agent to ask.
    pub agent_available: bool,
}

impl<'a> CommandContext<'a> {
    /// Only a key group: what a row's context menu in "All keys" offers.
    pub fn for_group(group: &'a KeyGroup) -> Self {
        Self {
            group: Some(group),
            ..Self::default()
        }
    }

    /// A key group with its ssh-agent side (the "All keys" row menu).
    pub fn for_group_with_agent(group: &'a KeyGroup, agent: GroupAgent<'a>) -> Self {
        Self {
            group: Some(group),
            group_agent: agent,
            ..Self::default()
        }
    }

    /// Only a key: what a row's context menu or the details panel offers.
    pub fn for_key(key: &'a RemoteKey, capabilities: Capabilities) -> Self {
        Self {
            key: Some(KeyRef { key, capabilities }),
            ..Self::default()
        }
    }
}

/// What else has the keyboard this frame, which some shortcuts yield to.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyboardFocus {
    /// A text box has the focus: only [`UICommand::works_while_typing`]
    /// commands act.
    pub typing: bool,
    /// A widget has the focus: Enter and Space press it instead.
    pub widget_focused: bool,
    /// Text is selected in a label: Ctrl+C copies it instead.
    pub text_selected: bool,
}

impl UICommand {
    /// The key commands, in order: what the details panel and a row's
    /// context menu show.
    pub fn key_commands(
        key: &RemoteKey,
        capabilities: Capabilities,
    ) -> impl Iterator<Item = UICommand> + '_ {
        let context = CommandContext::for_key(key, capabilities);
        Self::ALL
            .iter()
            .copied()
            .filter(move |command| command.acts_on_key() && command.available(&context))
    }

    /// The commands on a key group of "All keys", in order: what its row's
    /// context menu shows.
    pub fn group_commands(group: &KeyGroup) -> impl Iterator<Item = UICommand> + '_ {
        Self::group_commands_with_agent(group, GroupAgent::default())
    }

    /// [`UICommand::group_commands`] with the ssh-agent's commands.
    pub fn group_commands_with_agent<'a>(
        group: &'a KeyGroup,
        agent: GroupAgent<'a>,
    ) -> impl Iterator<Item = UICommand> + 'a {
        let context = CommandContext::for_group_with_agent(group, agent);
        [
            Self::PublishKey,
            Self::RemoveEverywhere,
            Self::RotateKey,
            Self::CopySha256,
            Self::ConvertPpk,
            Self::AddToAgent,
            Self::RemoveFromAgent,
        ]
        .into_iter()
        .filter(move |command| command.available(&context))
    }

    /// True for the commands that act on one key.
    pub fn acts_on_key(self) -> bool {
        matches!(
            self,
            Self::CopyKey
                | Self::CopySha256
                | Self::Share
                | Self::Unshare
                | Self::MakeDefault
                | Self::RenameKey
                | Self::CopyToProject
                | Self::RotateKey
                | Self::DeleteKey
        )
    }

    /// Whether the palette lists it (when available). Row moves, clearing
    /// the filter and the palette itself are keyboard-only.
    pub fn in_palette(self) -> bool {
        !matches!(
            self,
            Self::ClearFilter
                | Self::OpenPalette
                | Self::PublishKey
                | Self::RemoveEverywhere
                | Self::ConvertPpk
                | Self::AddToAgent
                | Self::RemoveFromAgent
                | Self::SelectPrevious
                | Self::SelectNext
                | Self::SelectPageUp
                | Self::SelectPageDown
                | Self::SelectFirst
                | Self::SelectLast
        )
    }

    /// Whether its shortcut acts while a text box has the focus. Every
    /// other shortcut is left to the text box. (Esc needs no exception:
    /// egui ends typing on Esc before the frame, so clearing the filter
    /// from its box works without one.)
    pub fn works_while_typing(self) -> bool {
        matches!(self, Self::FocusFilter)
    }

    /// Whether it can be given in `context`.
    pub fn available(self, context: &CommandContext<'_>) -> bool {
        if let Some(group) = context.group {
            return match self {
                Self::PublishKey | Self::CopySha256 => group.sha256.is_some(),
                Self::RemoveEverywhere | Self::RotateKey => !group.accounts.is_empty(),
                Self::ConvertPpk => ppk_path(group).is_some(),
                Self::AddToAgent => {
                    let agent = context.group_agent;
                    agent.agent_available && !agent.in_agent && agent.private_key.is_some()
                }
                Self::RemoveFromAgent => context.group_agent.in_agent,
                _ => false,
            };
        }
        let account = context.account.is_some();
        let shown = account && context.account_shown;
        let Some(KeyRef { key, capabilities }) = context.key else {
            return self.available_without_key(context, account, shown);
        };
        match self {
            Self::CopyKey => key.public_key.is_some(),
            Self::CopySha256 => key.fingerprint_sha256.is_some(),
            Self::Share => capabilities.share && key.shared_in_project == Some(false),
            Self::Unshare => capabilities.share && key.shared_in_project == Some(true),
            Self::MakeDefault => capabilities.make_default && key.is_default != Some(true),
            Self::RenameKey => capabilities.rename,
            Self::CopyToProject => {
                matches!(key.scope, KeyScope::Region { .. }) && key.public_key.is_some()
            }
            Self::RotateKey | Self::DeleteKey => true,
            _ => self.available_without_key(context, account, shown),
        }
    }

    /// Availability of the commands that need no key.
    fn available_without_key(
        self,
        context: &CommandContext<'_>,
        account: bool,
        shown: bool,
    ) -> bool {
        let table_shown = shown || context.fleet_shown;
        match self {
            Self::RefreshAll | Self::AddAccount | Self::Settings | Self::OpenPalette => true,
            Self::RemoveAllFromAgent => context.agent_keys.is_some_and(|keys| keys > 0),
            Self::Refresh | Self::EditAccount | Self::RemoveAccount => account,
            Self::AddKey | Self::GenerateKey => shown,
            Self::ShowDetails => shown && !context.details_open,
            Self::HideDetails => shown && context.details_open,
            Self::FocusFilter => table_shown,
            Self::ClearFilter => table_shown && context.filter_active,
            Self::SelectPrevious
            | Self::SelectNext
            | Self::SelectPageUp
            | Self::SelectPageDown
            | Self::SelectFirst
            | Self::SelectLast => table_shown,
            Self::CopyKey
            | Self::CopySha256
            | Self::Share
            | Self::Unshare
            | Self::MakeDefault
            | Self::RenameKey
            | Self::CopyToProject
            | Self::RotateKey
            | Self::DeleteKey
            | Self::PublishKey
            | Self::RemoveEverywhere
            | Self::ConvertPpk => false,
            Self::AddToAgent | Self::RemoveFromAgent => false,
        }
    }

    /// The text of its button or menu entry (also the accessible name).
    /// `spec` names the provider's own words for adding and generating.
    pub fn text(self, spec: Option<&'static ProviderSpec>) -> &'static str {
        match self {
            Self::RefreshAll => "Refresh all",
            Self::Refresh => "⟳ Refresh",
            Self::AddKey => spec.map_or("Add key…", |spec| spec.add_key_label),
            Self::GenerateKey => spec.map_or("Generate key…", |spec| spec.generate.button_label),
            Self::FocusFilter => "Filter keys",
            Self::ShowDetails => "Show details panel",
            Self::HideDetails => "Hide details panel",
            Self::EditAccount => "Edit account",
            Self::RemoveAccount => "Remove account…",
            Self::CopyKey => "Copy key",
            Self::CopySha256 => "Copy SHA256",
            Self::Share => "Share",
            Self::Unshare => "Unshare",
            Self::MakeDefault => "Make default",
            Self::RenameKey => "Rename…",
            Self::CopyToProject => "Copy to project",
            Self::RotateKey => "Rotate…",
            Self::DeleteKey => "Delete…",
            Self::PublishKey => "📤 Publish to accounts…",
            Self::RemoveEverywhere => "🗑 Remove everywhere…",
            Self::ConvertPpk => "Convert to OpenSSH…",
            Self::AddToAgent => "🔑 Add to agent…",
            Self::RemoveFromAgent => "Remove from agent",
            Self::RemoveAllFromAgent => "Remove all my keys from the agent…",
            Self::AddAccount => "Add account…",
            Self::Settings => "Settings…",
            Self::ClearFilter => "Clear filter",
            Self::OpenPalette => "Commands…",
            Self::SelectPrevious => "Select the previous key",
            Self::SelectNext => "Select the next key",
            Self::SelectPageUp => "Select a page up",
            Self::SelectPageDown => "Select a page down",
            Self::SelectFirst => "Select the first key",
            Self::SelectLast => "Select the last key",
        }
    }

    /// [`UICommand::text`] for `context`: the provider's own words, and
    /// "Rename or edit labels…" where the key's provider has labels (the
    /// rename dialog edits them too).
    pub fn text_for(self, context: &CommandContext<'_>) -> &'static str {
        let spec = context.account.map(|account| account.spec);
        let capabilities = context
            .key
            .map(|key| key.capabilities)
            .or(spec.map(|spec| spec.capabilities));
        match self {
            Self::RenameKey if capabilities.is_some_and(|c| c.labels) => "Rename or edit labels…",
            _ => self.text(spec),
        }
    }

    /// Its palette entry's label, naming what it acts on ("Refresh Prod",
    /// `Delete… "laptop"`).
    pub fn label(self, context: &CommandContext<'_>) -> Cow<'static, str> {
        let text = self.text_for(context);
        if let Some(KeyRef { key, .. }) = context.key.filter(|_| self.acts_on_key()) {
            return Cow::Owned(format!("{text} \"{}\"", key.name));
        }
        let Some(account) = context.account else {
            return Cow::Borrowed(text);
        };
        match self {
            Self::Refresh => Cow::Owned(format!("Refresh {}", account.name)),
            Self::EditAccount => Cow::Owned(format!("Edit account {}", account.name)),
            Self::RemoveAccount => Cow::Owned(format!("Remove account {}…", account.name)),
            _ => Cow::Borrowed(text),
        }
    }

    /// What it does, for tooltips.
    pub fn hint(self) -> &'static str {
        match self {
            Self::RefreshAll => "Reload every account",
            Self::Refresh => "Reload this account",
            Self::AddKey => "Add a key to this account",
            Self::GenerateKey => "Generate a key pair on this computer",
            Self::FocusFilter => "Filter the keys; Esc clears",
            Self::ShowDetails => "Show the selected key's details",
            Self::HideDetails => "Hide this panel (Enter shows it again)",
            Self::EditAccount => "Change this account's name, address or token",
            Self::RemoveAccount => "Remove this account from Keyfleet (asks first)",
            Self::CopyKey => "Copy the public key",
            Self::CopySha256 => "Copy the SHA256 fingerprint",
            Self::Share | Self::Unshare => {
                "Share or unshare this key with all users of the project"
            }
            Self::MakeDefault => "Make this the account's default key",
            Self::RenameKey => {
                "Give this key another name (and change its labels, where the provider has them)"
            }
            Self::CopyToProject => "Copy this legacy keypair to the project's SSH keys",
            Self::RotateKey => {
                "Replace this key with a new one on every account holding it; the old one is removed only after you confirm"
            }
            Self::DeleteKey => "Delete this key (asks first)",
            Self::PublishKey => "Add this key to other accounts, where it is not yet",
            Self::RemoveEverywhere => {
                "Delete this key from every account holding it (shows the plan first)"
            }
            Self::ConvertPpk => {
                "Write an OpenSSH private key (and .pub) from this PuTTY .ppk file; the .ppk stays"
            }
            Self::AddToAgent => {
                "Load this key's private key file into the ssh-agent, with a lifetime and confirmation if you like"
            }
            Self::RemoveFromAgent => "Unload this key from the ssh-agent (the file stays)",
            Self::RemoveAllFromAgent => {
                "Unload every key from the ssh-agent, like ssh-add -D (asks first)"
            }
            Self::AddAccount => "Add an account of a cloud provider",
            Self::Settings => "Theme, size, key folders and hygiene rules",
            Self::ClearFilter => "Clear filter",
            Self::OpenPalette => "Search every command and account",
            Self::SelectPrevious | Self::SelectNext => "Move the selection one row",
            Self::SelectPageUp | Self::SelectPageDown => "Move the selection one page",
            Self::SelectFirst | Self::SelectLast => "Select the first or last row",
        }
    }

    /// Its keyboard shortcuts, the one shown first.
    pub fn shortcuts(self) -> &'static [KeyboardShortcut] {
        match self {
            Self::RefreshAll => &[shortcuts::REFRESH_ALL],
            Self::Refresh => &[shortcuts::REFRESH],
            Self::AddKey => &[shortcuts::ADD_KEY],
            Self::FocusFilter => &[shortcuts::FILTER],
            Self::ShowDetails => &[shortcuts::DETAILS],
            Self::CopyKey => &[shortcuts::COPY_KEY],
            Self::DeleteKey => &[shortcuts::DELETE],
            Self::Settings => &[shortcuts::SETTINGS],
            Self::ClearFilter => &[shortcuts::CLEAR_FILTER],
            Self::OpenPalette => &[shortcuts::PALETTE],
            Self::SelectPrevious => &[shortcuts::PREVIOUS_ROW],
            Self::SelectNext => &[shortcuts::NEXT_ROW],
            Self::SelectPageUp => &[shortcuts::PAGE_UP],
            Self::SelectPageDown => &[shortcuts::PAGE_DOWN],
            Self::SelectFirst => &[shortcuts::FIRST_ROW],
            Self::SelectLast => &[shortcuts::LAST_ROW],
            Self::GenerateKey
            | Self::HideDetails
            | Self::EditAccount
            | Self::RemoveAccount
            | Self::CopySha256
            | Self::Share
            | Self::Unshare
            | Self::MakeDefault
            | Self::RenameKey
            | Self::CopyToProject
            | Self::RotateKey
            | Self::AddAccount
            | Self::PublishKey
            | Self::RemoveEverywhere
            | Self::ConvertPpk => &[],
            Self::AddToAgent | Self::RemoveFromAgent | Self::RemoveAllFromAgent => &[],
        }
    }

    /// The shortcut shown beside it, if any.
    pub fn primary_shortcut(self) -> Option<KeyboardShortcut> {
        self.shortcuts().first().copied()
    }

    /// What giving it asks of the app. `None` for the commands the app
    /// carries out on its own state (row moves, clearing the filter), and
    /// when `context` lacks what it needs (which
    /// [`UICommand::available`] does not offer).
    pub fn action(self, context: &CommandContext<'_>) -> Option<UiAction> {
        if let Some(group) = context.group {
            return group_action(self, group, context.group_agent);
        }
        if self.acts_on_key() {
            return key_action(self, context.key?.key);
        }
        let account = || context.account.map(|account| account.id.to_string());
        Some(match self {
            Self::RefreshAll => UiAction::RefreshAll,
            Self::Refresh => UiAction::Refresh(account()?),
            Self::AddKey => UiAction::OpenAddKey,
            Self::GenerateKey => UiAction::OpenGenerate,
            Self::FocusFilter => UiAction::FocusFilter,
            Self::ShowDetails => UiAction::ShowDetails(true),
            Self::HideDetails => UiAction::ShowDetails(false),
            Self::EditAccount => UiAction::EditProfile(Some(account()?)),
            Self::RemoveAccount => UiAction::AskRemoveProfile(account()?),
            Self::AddAccount => UiAction::EditProfile(None),
            Self::Settings => UiAction::OpenSettings,
            Self::OpenPalette => UiAction::OpenPalette,
            Self::RemoveAllFromAgent => UiAction::AskRemoveAllFromAgent,
            _ => return None,
        })
    }

    /// Draws it as a button with its tooltip (and shortcut); a click pushes
    /// its action. The details panel and a row's context menu use it.
    pub fn button(
        self,
        ui: &mut egui::Ui,
        context: &CommandContext<'_>,
        actions: &mut Vec<UiAction>,
    ) -> egui::Response {
        self.button_with_text(ui, self.text_for(context), context, actions)
    }

    /// [`UICommand::button`] with a panel's own wording (an icon before
    /// it); the tooltip, shortcut and action are still the command's.
    pub fn button_with_text(
        self,
        ui: &mut egui::Ui,
        text: &str,
        context: &CommandContext<'_>,
        actions: &mut Vec<UiAction>,
    ) -> egui::Response {
        let response = ui.button(text);
        let response = match self.primary_shortcut() {
            Some(shortcut) => shortcuts::tooltip(response, self.hint(), &shortcut),
            None => response.on_hover_text(self.hint()),
        };
        if response.clicked()
            && let Some(action) = self.action(context)
        {
            actions.push(action);
        }
        response
    }

    /// Takes this frame's shortcut of an available command, if one was
    /// pressed. Shortcuts with more Shift/Alt modifiers are tried first:
    /// egui matches Ctrl+Shift+R to Ctrl+R too.
    pub fn consume_shortcut(
        ctx: &egui::Context,
        context: &CommandContext<'_>,
        focus: KeyboardFocus,
    ) -> Option<UICommand> {
        // Most frames have no key press: nothing to sort then.
        let pressed_any = ctx.input(|input| {
            input
                .events
                .iter()
                .any(|event| matches!(event, Event::Key { pressed: true, .. } | Event::Copy))
        });
        if !pressed_any {
            return None;
        }
        let candidates = Self::ALL
            .iter()
            .filter(|command| command.available(context))
            .flat_map(|&command| command.shortcuts().iter().map(move |&s| (s, command)))
            .filter(|&(shortcut, command)| focus.allows(command, shortcut))
            .collect();
        consume_most_specific(ctx, candidates)
    }
}

/// Consumes the first pressed shortcut of `candidates`, trying those with
/// more Shift/Alt modifiers first (egui matches Ctrl+Shift+R to Ctrl+R
/// too), whatever the list's order.
fn consume_most_specific(
    ctx: &egui::Context,
    mut candidates: Vec<(KeyboardShortcut, UICommand)>,
) -> Option<UICommand> {
    candidates.sort_by_key(|(shortcut, _)| Reverse(lax_modifiers(shortcut.modifiers)));
    ctx.input_mut(|input| {
        candidates
            .into_iter()
            .find(|(shortcut, _)| consume(input, shortcut))
            .map(|(_, command)| command)
    })
}

impl KeyboardFocus {
    /// Whether `command`'s `shortcut` may act under this focus.
    fn allows(self, command: UICommand, shortcut: KeyboardShortcut) -> bool {
        if self.typing && !command.works_while_typing() {
            return false;
        }
        if self.widget_focused && presses_focused_widget(shortcut) {
            return false;
        }
        !(self.text_selected && shortcut == shortcuts::COPY_KEY)
    }
}

/// Enter and Space press the focused widget (a button reached with Tab).
fn presses_focused_widget(shortcut: KeyboardShortcut) -> bool {
    shortcut.modifiers.is_none() && matches!(shortcut.logical_key, Key::Enter | Key::Space)
}

/// How many of the modifiers egui lets a shortcut ignore it has.
fn lax_modifiers(modifiers: Modifiers) -> u8 {
    u8::from(modifiers.shift) + u8::from(modifiers.alt)
}

/// Consumes `shortcut`; the copy shortcut also as the platform's copy event
/// (some platforms send Ctrl+C only as that).
fn consume(input: &mut egui::InputState, shortcut: &KeyboardShortcut) -> bool {
    let mut pressed = false;
    if *shortcut == shortcuts::COPY_KEY {
        let before = input.events.len();
        input.events.retain(|event| !matches!(event, Event::Copy));
        pressed = input.events.len() != before;
    }
    input.consume_shortcut(shortcut) | pressed
}

/// The action of a key command on `key`.
/// What a command on a key group of "All keys" asks of the app.
fn group_action(command: UICommand, group: &KeyGroup, agent: GroupAgent<'_>) -> Option<UiAction> {
    Some(match command {
        UICommand::AddToAgent => UiAction::OpenAddToAgent {
            name: group.display_name(),
            path: agent.private_key?.to_path_buf(),
        },
        UICommand::RemoveFromAgent => UiAction::RemoveFromAgent(group.sha256.clone()?),
        UICommand::PublishKey => UiAction::OpenPublish(Box::new(group.clone())),
        UICommand::RemoveEverywhere => UiAction::OpenRevoke(Box::new(group.clone())),
        UICommand::RotateKey => UiAction::OpenRotate(Box::new(group.clone())),
        UICommand::CopySha256 => UiAction::Copy {
            text: group.sha256.clone()?,
            what: "fingerprint",
        },
        UICommand::ConvertPpk => UiAction::OpenConvertPpk(ppk_path(group)?.into()),
        _ => return None,
    })
}

/// The first PuTTY `.ppk` file holding a key group's key.
fn ppk_path(group: &KeyGroup) -> Option<&str> {
    group
        .local_paths
        .iter()
        .map(String::as_str)
        .find(|path| path.ends_with(".ppk"))
}

fn key_action(command: UICommand, key: &RemoteKey) -> Option<UiAction> {
    Some(match command {
        UICommand::CopyKey => UiAction::Copy {
            text: key.public_key.clone()?,
            what: "public key",
        },
        UICommand::CopySha256 => UiAction::Copy {
            text: key.fingerprint_sha256.clone()?,
            what: "fingerprint",
        },
        UICommand::Share => UiAction::SetShared(key.clone(), true),
        UICommand::Unshare => UiAction::SetShared(key.clone(), false),
        UICommand::MakeDefault => UiAction::MakeDefault(key.clone()),
        UICommand::RenameKey => UiAction::AskRename(key.clone()),
        UICommand::CopyToProject => UiAction::CopyToProject(key.clone()),
        UICommand::RotateKey => UiAction::RotateKey(key.clone()),
        UICommand::DeleteKey => UiAction::AskDelete(key.clone()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use egui::os::OperatingSystem;

    use super::*;
    use crate::providers::StoredMaterial;

    /// Same key, same Shift and Alt, and Ctrl or ⌘ on both or neither:
    /// egui would take one for the other on some platform.
    fn clashes(a: KeyboardShortcut, b: KeyboardShortcut) -> bool {
        a.logical_key == b.logical_key
            && a.modifiers.alt == b.modifiers.alt
            && a.modifiers.shift == b.modifiers.shift
            && (a.modifiers.command || a.modifiers.ctrl || a.modifiers.mac_cmd)
                == (b.modifiers.command || b.modifiers.ctrl || b.modifiers.mac_cmd)
    }

    /// Whether a focused single-line `egui::TextEdit` acts on `shortcut`
    /// on `os` (egui 0.37's `text_edit/builder.rs` and
    /// `text_selection/cursor_range.rs`): typing, moving and selecting,
    /// deleting, clipboard, undo/redo and the Emacs keys.
    fn text_edit_uses(shortcut: KeyboardShortcut, os: OperatingSystem) -> bool {
        let m = shortcut.modifiers;
        let mac = os == OperatingSystem::Mac;
        // `Modifiers::COMMAND` is ⌘ on a Mac, Ctrl elsewhere.
        let (command, ctrl) = if mac {
            (m.mac_cmd || m.command, m.ctrl)
        } else {
            (m.ctrl || m.command, m.ctrl || m.command)
        };
        let key = shortcut.logical_key;
        let plain = !(m.command || m.ctrl || m.mac_cmd || m.alt);
        let moves_or_deletes = matches!(
            key,
            Key::ArrowLeft
                | Key::ArrowRight
                | Key::ArrowUp
                | Key::ArrowDown
                | Key::Home
                | Key::End
                | Key::Backspace
                | Key::Delete
        );
        let clipboard_or_undo =
            command && matches!(key, Key::A | Key::C | Key::V | Key::X | Key::Z | Key::Y);
        let deletes = ctrl && matches!(key, Key::H | Key::K | Key::U | Key::W);
        let emacs =
            mac && ctrl && matches!(key, Key::P | Key::N | Key::B | Key::F | Key::A | Key::E);
        plain || moves_or_deletes || clipboard_or_undo || deletes || emacs
    }

    /// egui's own shortcuts, taken before Keyfleet sees them (zoom).
    fn egui_own() -> [KeyboardShortcut; 3] {
        [
            shortcuts::ZOOM_IN,
            shortcuts::ZOOM_OUT,
            shortcuts::ZOOM_RESET,
        ]
    }

    fn all_shortcuts() -> Vec<(UICommand, KeyboardShortcut)> {
        UICommand::ALL
            .iter()
            .flat_map(|&command| command.shortcuts().iter().map(move |&s| (command, s)))
            .collect()
    }

    #[test]
    fn no_two_commands_share_a_shortcut() {
        let all = all_shortcuts();
        for (i, (a, a_shortcut)) in all.iter().enumerate() {
            for (b, b_shortcut) in &all[i + 1..] {
                assert!(
                    !clashes(*a_shortcut, *b_shortcut),
                    "{a:?} and {b:?} share {a_shortcut:?}"
                );
            }
            for own in egui_own() {
                assert!(!clashes(*a_shortcut, own), "{a:?} takes egui's {own:?}");
            }
        }
    }

    #[test]
    fn no_shortcut_that_acts_while_typing_steals_a_text_box_key() {
        for os in [
            OperatingSystem::Mac,
            OperatingSystem::Windows,
            OperatingSystem::Nix,
        ] {
            for (command, shortcut) in all_shortcuts() {
                if !command.works_while_typing() {
                    continue;
                }
                assert!(
                    !text_edit_uses(shortcut, os),
                    "{command:?}'s {shortcut:?} is a text box key on {os:?}"
                );
            }
        }
        // The rule sees what it must: Ctrl+C, ↓ and a letter are text
        // box keys; Ctrl+F is one on a Mac only as Ctrl (not ⌘).
        let nix = OperatingSystem::Nix;
        assert!(text_edit_uses(shortcuts::COPY_KEY, nix));
        assert!(text_edit_uses(shortcuts::NEXT_ROW, nix));
        assert!(
            text_edit_uses(shortcuts::PALETTE, nix),
            "Ctrl+K deletes to the end"
        );
        assert!(text_edit_uses(
            KeyboardShortcut::new(Modifiers::NONE, Key::R),
            nix
        ));
        assert!(!text_edit_uses(shortcuts::FILTER, nix));
        assert!(!text_edit_uses(shortcuts::FILTER, OperatingSystem::Mac));
        let ctrl_f = KeyboardShortcut::new(Modifiers::CTRL, Key::F);
        assert!(text_edit_uses(ctrl_f, OperatingSystem::Mac));
    }

    #[test]
    fn the_clash_rule_sees_a_clash() {
        assert!(clashes(shortcuts::REFRESH, shortcuts::REFRESH));
        let ctrl_r = KeyboardShortcut::new(Modifiers::CTRL, Key::R);
        assert!(
            clashes(shortcuts::REFRESH, ctrl_r),
            "⌘R is Ctrl+R elsewhere"
        );
        assert!(!clashes(shortcuts::REFRESH, shortcuts::REFRESH_ALL));
    }

    /// Runs one frame in which `shortcut` is pressed and returns what
    /// [`consume_most_specific`] took from `candidates`.
    fn pressed(
        shortcut: KeyboardShortcut,
        candidates: &[(KeyboardShortcut, UICommand)],
    ) -> Option<UICommand> {
        let ctx = egui::Context::default();
        let modifiers = Modifiers {
            command: shortcut.modifiers.command,
            ctrl: shortcut.modifiers.command || shortcut.modifiers.ctrl,
            ..shortcut.modifiers
        };
        let input = egui::RawInput {
            events: vec![Event::Key {
                key: shortcut.logical_key,
                physical_key: None,
                pressed: true,
                repeat: false,
                modifiers,
            }],
            ..egui::RawInput::default()
        };
        let mut taken = None;
        let mut output = ctx.run_ui(input, |ui| {
            taken = consume_most_specific(ui.ctx(), candidates.to_vec());
        });
        output.textures_delta.clear();
        taken
    }

    #[test]
    fn the_shortcut_with_more_modifiers_wins_whatever_the_order() {
        let refresh = (shortcuts::REFRESH, UICommand::Refresh);
        let refresh_all = (shortcuts::REFRESH_ALL, UICommand::RefreshAll);
        for candidates in [[refresh, refresh_all], [refresh_all, refresh]] {
            assert_eq!(
                pressed(shortcuts::REFRESH_ALL, &candidates),
                Some(UICommand::RefreshAll)
            );
            assert_eq!(
                pressed(shortcuts::REFRESH, &candidates),
                Some(UICommand::Refresh)
            );
        }
        assert_eq!(pressed(shortcuts::PALETTE, &[refresh, refresh_all]), None);
    }

    #[test]
    fn every_command_is_listed_once() {
        for (i, command) in UICommand::ALL.iter().enumerate() {
            assert!(!UICommand::ALL[i + 1..].contains(command), "{command:?}");
        }
    }

    fn capabilities() -> Capabilities {
        Capabilities {
            server_generate: false,
            share: false,
            make_default: false,
            rename: false,
            stores: StoredMaterial::PublicKey,
            regional_keypairs: false,
            labels: false,
            expiry: false,
        }
    }

    #[test]
    fn key_commands_are_only_what_the_key_and_provider_allow() {
        let bare = RemoteKey::default();
        let all: Vec<_> = UICommand::key_commands(&bare, capabilities()).collect();
        assert_eq!(
            all,
            [UICommand::RotateKey, UICommand::DeleteKey],
            "nothing to copy, nothing allowed"
        );

        let key = RemoteKey {
            name: "laptop".into(),
            public_key: Some("ssh-ed25519 AAAA".into()),
            fingerprint_sha256: Some("SHA256:x".into()),
            shared_in_project: Some(true),
            is_default: Some(true),
            scope: KeyScope::Region {
                region_id: 1,
                region_name: "Luxembourg".into(),
            },
            ..RemoteKey::default()
        };
        let everything = Capabilities {
            share: true,
            make_default: true,
            rename: true,
            ..capabilities()
        };
        let all: Vec<_> = UICommand::key_commands(&key, everything).collect();
        assert_eq!(
            all,
            [
                UICommand::CopyKey,
                UICommand::CopySha256,
                UICommand::Unshare,
                UICommand::RenameKey,
                UICommand::CopyToProject,
                UICommand::RotateKey,
                UICommand::DeleteKey,
            ],
            "already default: no Make default; shared: Unshare"
        );
        let context = CommandContext::for_key(&key, everything);
        for command in all {
            assert!(command.action(&context).is_some(), "{command:?}");
        }
        assert_eq!(
            UICommand::DeleteKey.label(&context),
            "Delete… \"laptop\"",
            "the palette names the key"
        );
        let bare_context = CommandContext::for_key(&bare, everything);
        assert!(UICommand::CopyKey.action(&bare_context).is_none());
    }

    #[test]
    fn rename_says_it_edits_labels_where_the_provider_has_them() {
        let key = RemoteKey::default();
        let renames = Capabilities {
            rename: true,
            ..capabilities()
        };
        let labels = Capabilities {
            labels: true,
            ..renames
        };
        let plain = CommandContext::for_key(&key, renames);
        assert_eq!(UICommand::RenameKey.text_for(&plain), "Rename…");
        let labelled = CommandContext::for_key(&key, labels);
        assert_eq!(
            UICommand::RenameKey.text_for(&labelled),
            "Rename or edit labels…"
        );
        assert_eq!(UICommand::DeleteKey.text_for(&labelled), "Delete…");
    }

    #[test]
    fn every_command_the_palette_may_offer_does_something() {
        let key = RemoteKey {
            public_key: Some("ssh-ed25519 AAAA".into()),
            fingerprint_sha256: Some("SHA256:x".into()),
            shared_in_project: Some(false),
            scope: KeyScope::Region {
                region_id: 1,
                region_name: "Luxembourg".into(),
            },
            ..RemoteKey::default()
        };
        let everything = Capabilities {
            share: true,
            make_default: true,
            rename: true,
            ..capabilities()
        };
        for spec in crate::providers::registry::all() {
            for capabilities in [spec.capabilities, everything] {
                let context = CommandContext {
                    account: Some(AccountRef {
                        id: "p1",
                        name: "Prod",
                        spec,
                    }),
                    account_shown: true,
                    key: Some(KeyRef {
                        key: &key,
                        capabilities,
                    }),
                    ..CommandContext::default()
                };
                for &command in UICommand::ALL {
                    if command.in_palette() && command.available(&context) {
                        assert!(command.action(&context).is_some(), "{command:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn nothing_acts_on_a_key_or_account_that_is_not_there() {
        let nothing = CommandContext::default();
        let available: Vec<_> = UICommand::ALL
            .iter()
            .copied()
            .filter(|command| command.available(&nothing))
            .collect();
        assert_eq!(
            available,
            [
                UICommand::RefreshAll,
                UICommand::AddAccount,
                UICommand::Settings,
                UICommand::OpenPalette,
            ]
        );
    }

    fn group(sha256: Option<&str>, accounts: usize) -> KeyGroup {
        let holding = crate::inventory::Holding {
            account: "Prod".into(),
            profile_id: "p1".into(),
            provider: crate::providers::registry::all()[0].kind,
            key_id: "1".into(),
            name: "laptop".into(),
            created_at: None,
            matched_by_name_only: false,
            fingerprint_warning: None,
            expires_at: None,
        };
        KeyGroup {
            sha256: sha256.map(str::to_string),
            algorithm: None,
            bits: None,
            comment: None,
            local_paths: vec!["/home/me/.ssh/laptop.pub".into()],
            accounts: vec![holding; accounts],
            flags: Vec::new(),
            names: vec!["laptop".into()],
            oldest_created_at: None,
            used_by_hosts: Vec::new(),
            missing_path: None,
            earliest_expires_at: None,
        }
    }

    #[test]
    fn a_key_groups_menu_offers_what_the_group_allows_and_acts_on_that_group() {
        let on_accounts = group(Some("SHA256:abc"), 2);
        let commands: Vec<_> = UICommand::group_commands(&on_accounts).collect();
        assert_eq!(
            commands,
            [
                UICommand::PublishKey,
                UICommand::RemoveEverywhere,
                UICommand::RotateKey,
                UICommand::CopySha256
            ]
        );
        let context = CommandContext::for_group(&on_accounts);
        assert!(matches!(
            UICommand::RotateKey.action(&context),
            Some(UiAction::OpenRotate(group)) if *group == on_accounts
        ));
        assert!(matches!(
            UICommand::RemoveEverywhere.action(&context),
            Some(UiAction::OpenRevoke(group)) if *group == on_accounts
        ));
        assert!(matches!(
            UICommand::CopySha256.action(&context),
            Some(UiAction::Copy { text, .. }) if text == "SHA256:abc"
        ));
        // Only on this computer: nothing to remove or rotate.
        let local_only = group(Some("SHA256:abc"), 0);
        assert_eq!(
            UICommand::group_commands(&local_only).collect::<Vec<_>>(),
            [UICommand::PublishKey, UICommand::CopySha256]
        );
        // No public material known: nothing to publish or copy.
        let no_material = group(None, 1);
        assert_eq!(
            UICommand::group_commands(&no_material).collect::<Vec<_>>(),
            [UICommand::RemoveEverywhere, UICommand::RotateKey]
        );
        // A group's commands never reach the palette or the keyboard.
        assert!(!UICommand::PublishKey.in_palette());
        assert!(!UICommand::PublishKey.available(&CommandContext::default()));
    }

    #[test]
    fn a_putty_key_can_be_converted_and_only_a_putty_key() {
        let mut putty = group(Some("SHA256:abc"), 0);
        putty.local_paths = vec![
            "/home/me/.ssh/laptop.pub".into(),
            "/home/me/keys/laptop.ppk".into(),
        ];
        assert_eq!(
            UICommand::group_commands(&putty).collect::<Vec<_>>(),
            [
                UICommand::PublishKey,
                UICommand::CopySha256,
                UICommand::ConvertPpk
            ]
        );
        assert!(matches!(
            UICommand::ConvertPpk.action(&CommandContext::for_group(&putty)),
            Some(UiAction::OpenConvertPpk(path)) if path.ends_with("keys/laptop.ppk")
        ));
        let openssh = group(Some("SHA256:abc"), 1);
        assert!(!UICommand::ConvertPpk.available(&CommandContext::for_group(&openssh)));
        assert!(!UICommand::ConvertPpk.in_palette());
    }
}
