//! Plain UI state with no egui in it: per-account key lists, the keys
//! table's sort/filter cache, and values loaded in the background.

pub mod key_table;
pub mod loadable;

pub use key_table::{KeyTable, SortColumn};
pub use loadable::Loadable;
