//! One account's key list, loaded in the background.

use crate::backend::Pending;
use crate::providers::{ApiError, RemoteKey};
use crate::state::{KeyTable, Loadable};

/// One account's keys: the table (kept while a refresh runs, with its sort
/// and filter, and edited locally after a delete or rename), and the state
/// of the newest list request, read through `Deref` (`loaded`, `error`,
/// `is_loading()`).
#[derive(Debug, Default)]
pub struct AccountView {
    /// Keys with sort/filter cache.
    pub table: KeyTable,
    /// The list request; answers are merged into `table`.
    list: Loadable<(), Vec<RemoteKey>>,
}

impl std::ops::Deref for AccountView {
    type Target = Loadable<(), Vec<RemoteKey>>;

    fn deref(&self) -> &Self::Target {
        &self.list
    }
}

impl AccountView {
    /// Waits for `list` from now on; an older refresh's answer is dropped,
    /// so a newer refresh always wins.
    pub(super) fn start(&mut self, list: Pending<Result<Vec<RemoteKey>, ApiError>>) {
        self.list.start(list);
    }

    /// Applies the list if it arrived: the number of keys, or the error.
    pub(super) fn poll(&mut self) -> Option<Result<usize, ApiError>> {
        let table = &mut self.table;
        let result = self.list.poll_with(|(), keys| table.set_rows(keys))?;
        Some(result.map(|()| self.table.len()))
    }
}
