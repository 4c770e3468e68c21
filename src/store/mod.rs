//! Where profiles and secrets live: the profiles file in the config dir
//! (no secrets in it) and tokens in the OS keyring or environment.

pub mod atomic;
pub mod profiles;
pub mod secrets;

pub use profiles::{Profile, ProfileStore, TokenSource};
pub use secrets::{KeyringStore, MemoryStore, SecretStore};
