//! The demo's own ssh-agent: `keyfleet --demo` starts an `ssh-agent` in a
//! temporary folder holding the demo's laptop key, so the "In agent"
//! column has something to show, and never touches the user's agent. It
//! sits here, above both `demo` and `inventory`, which may not use each
//! other.

use std::time::Duration;

use crate::demo::Demo;
use crate::inventory::agent::{self, AddOptions, AgentSocket, SpawnedAgent};

/// The laptop key's file name in the demo's key folder.
const LAPTOP_KEY_FILE: &str = "id_ed25519_laptop";

/// The demo's agent (stopped on drop), or why there is none (`ssh-agent`
/// missing): the window then says "no agent" with that reason.
#[derive(Debug)]
pub struct DemoAgent(Result<SpawnedAgent, String>);

impl DemoAgent {
    /// Starts `ssh-agent` and loads `demo`'s laptop key into it.
    pub fn start(demo: &Demo) -> Self {
        let laptop_key = demo.local_key_dir.join(LAPTOP_KEY_FILE);
        let started = SpawnedAgent::start(Duration::from_secs(10))
            .map_err(|err| format!("the demo could not start ssh-agent ({err})"))
            .and_then(|spawned| {
                agent::add_file(&spawned.socket(), &laptop_key, None, AddOptions::default())
                    .map_err(|err| format!("the demo's agent did not take its key ({err})"))?;
                Ok(spawned)
            });
        Self(started)
    }

    /// Where it listens, or why there is none.
    pub fn socket(&self) -> AgentSocket {
        match &self.0 {
            Ok(spawned) => spawned.socket(),
            Err(why) => AgentSocket::Unavailable(why.clone()),
        }
    }
}
