//! Plain UI state with no egui in it: per-account key lists, the keys
//! table's sort/filter cache, the "All keys" table's, and values loaded
//! in the background.

pub mod fleet_table;
pub mod key_table;
pub mod loadable;

pub use fleet_table::{FlagFilter, FleetSort, FleetTable};
pub use key_table::{KeyTable, SortColumn};
pub use loadable::Loadable;
