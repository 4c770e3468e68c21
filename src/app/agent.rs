//! The ssh-agent as the window knows it: its last listing (shown in "All
//! keys" and the details panel), the requests in flight, and what their
//! answers change. Every request runs on the backend's blocking pool
//! ([`Command::Agent`]); each answer lists the agent again, so the window
//! shows what the agent holds, not what it was asked to hold.

use std::path::PathBuf;
use std::sync::Arc;

use super::App;
use crate::backend::{Command, Pending};
use crate::inventory::agent::{AgentDone, AgentListing, AgentReport, AgentRequest};
use crate::ui::UiAction;
use crate::ui::agent_add_modal::AgentAddModal;
use crate::ui::confirm_modal::ConfirmModal;

/// The app's part for the agent.
#[derive(Debug, Default)]
pub(super) struct AgentState {
    /// The last listing (`None` until the first answer).
    listing: Option<Arc<AgentListing>>,
    /// Bumped with every new listing, so "All keys" rebuilds.
    stamp: u64,
    /// Requests sent from the window itself (list, remove, remove all).
    pending: Vec<Pending<AgentReport>>,
}

impl AgentState {
    /// Keys the agent holds; `None` with no agent (or none listed yet).
    pub(super) fn key_count(&self) -> Option<usize> {
        match self.listing.as_deref() {
            Some(Ok(keys)) => Some(keys.len()),
            _ => None,
        }
    }

    /// The last listing, shared with inventory builds.
    pub(super) fn listing(&self) -> Option<Arc<AgentListing>> {
        self.listing.clone()
    }

    /// Changes with every listing.
    pub(super) fn stamp(&self) -> u64 {
        self.stamp
    }

    /// Whether the agent holds the key `sha256`: `Ok(bool)`, or why there
    /// is no answer ("no agent: …"); `None` before the first listing.
    pub(super) fn holds(&self, sha256: &str) -> Option<Result<bool, String>> {
        Some(match self.listing.as_deref()? {
            Ok(keys) => Ok(keys.iter().any(|key| key.sha256 == sha256)),
            Err(err) => Err(err.to_string()),
        })
    }

    fn set_listing(&mut self, listing: AgentListing) {
        self.listing = Some(Arc::new(listing));
        self.stamp += 1;
    }
}

impl App {
    /// Lists the agent again (at start and with "Refresh all").
    pub(super) fn refresh_agent(&mut self) {
        self.ask_agent(AgentRequest::List);
    }

    fn ask_agent(&mut self, request: AgentRequest) {
        let pending = self
            .backend
            .request(|reply| Command::Agent { reply, request });
        self.agent.pending.push(pending);
    }

    /// Applies the answers that arrived.
    pub(super) fn poll_agent(&mut self) {
        let mut reports = Vec::new();
        self.agent
            .pending
            .retain_mut(|pending| match pending.try_take() {
                Some(Ok(report)) => {
                    reports.push(report);
                    false
                }
                // The backend is shutting down: nothing to show.
                Some(Err(_lost)) => false,
                None => true,
            });
        for report in reports {
            self.apply_agent_report(report);
        }
    }

    /// Shows the agent's new listing and says what the request did; a
    /// refusal shows what the agent said.
    pub(super) fn apply_agent_report(&mut self, report: AgentReport) {
        match report.done {
            Ok(AgentDone::Listed) => {}
            Ok(AgentDone::Added(key)) => self
                .toasts
                .success(format!("Added {} to the ssh-agent", key.sha256)),
            Ok(AgentDone::Removed(key)) => self
                .toasts
                .success(format!("Removed {} from the ssh-agent", key.sha256)),
            Ok(AgentDone::RemovedAll(count)) => self
                .toasts
                .success(format!("Removed all {count} key(s) from the ssh-agent")),
            Err(err) => self.toasts.error("ssh-agent", err.to_string()),
        }
        self.agent.set_listing(report.listing);
    }

    /// Handles the agent's actions.
    pub(super) fn handle_agent_action(&mut self, action: UiAction) {
        match action {
            UiAction::OpenAddToAgent { name, path } => self.open_add_to_agent(name, path),
            UiAction::RemoveFromAgent(sha256) => {
                self.ask_agent(AgentRequest::Remove { sha256 });
            }
            UiAction::AskRemoveAllFromAgent => {
                let count = self.agent.key_count().unwrap_or(0);
                self.modals.open(Box::new(ConfirmModal::new(
                    "Remove all keys from the agent?",
                    format!(
                        "The ssh-agent forgets all {count} key(s) it holds, like `ssh-add -D`, including keys Keyfleet did not add. The key files stay; ssh asks for passphrases again."
                    ),
                    "Remove all",
                    UiAction::RemoveAllFromAgent,
                )));
            }
            UiAction::RemoveAllFromAgent => self.ask_agent(AgentRequest::RemoveAll),
            other => tracing::debug!("not an agent action: {other:?}"),
        }
    }

    /// Opens the "Add to agent" dialog on a private key file: over the
    /// dialog that asked for it (the rotation's pause page), else alone.
    pub(super) fn open_add_to_agent(&mut self, name: String, path: PathBuf) {
        let modal = AgentAddModal::new(name, path);
        if self.modals.is_open() {
            self.modals.open(Box::new(modal.over_dialog()));
        } else {
            self.modals.open(Box::new(modal));
        }
    }
}
