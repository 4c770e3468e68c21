//! Where profiles and secrets live: the profiles file in the config dir
//! (no secrets in it) and tokens in the OS keyring or environment.

pub mod atomic;
pub mod lock;
pub mod profiles;
pub mod secrets;
pub mod settings;

pub use profiles::{Profile, ProfileStore, TokenSource, UnreadableProfile};
pub use secrets::{KeyringStore, MemoryStore, SecretStore};
