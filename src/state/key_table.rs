//! The keys table's rows with a cached sort order and filter result, so a
//! frame only lays out visible rows and typing in the filter box does not
//! re-sort anything.

use std::cmp::Ordering;

use crate::providers::{KeyScope, RemoteKey};

/// A sortable column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortColumn {
    /// Key name.
    Name,
    /// Algorithm.
    Algorithm,
    /// SHA256 fingerprint.
    Sha256,
    /// MD5 fingerprint.
    Md5,
    /// Kind: project key or regional keypair (with region).
    Kind,
    /// Shared in project.
    Shared,
    /// Default marker.
    Default,
    /// State.
    State,
    /// Created time.
    Created,
    /// Updated time.
    Updated,
}

/// Rows plus the derived order and filter.
#[derive(Debug, Default, Clone)]
pub struct KeyTable {
    rows: Vec<RemoteKey>,
    /// Lower-cased `name fingerprints comment` per row, for filtering.
    haystacks: Vec<String>,
    /// Row indices in sort order.
    sorted: Vec<usize>,
    /// Sorted indices that match the filter.
    visible: Vec<usize>,
    sort: Option<(SortColumn, bool)>,
    filter: String,
}

impl KeyTable {
    /// Replaces the rows, keeping sort and filter.
    pub fn set_rows(&mut self, rows: Vec<RemoteKey>) {
        self.haystacks = rows.iter().map(haystack).collect();
        self.rows = rows;
        self.resort();
    }

    /// All rows in provider order.
    pub fn rows(&self) -> &[RemoteKey] {
        &self.rows
    }

    /// Changes one row in place (share toggle, rename) without a reload.
    pub fn update_row(&mut self, key: RemoteKey) {
        if let Some(index) = self.rows.iter().position(|row| row.id == key.id) {
            self.haystacks[index] = haystack(&key);
            self.rows[index] = key;
            self.resort();
        }
    }

    /// Applies a change to every row (e.g. moving the default marker).
    pub fn update_all(&mut self, mut change: impl FnMut(&mut RemoteKey)) {
        for row in &mut self.rows {
            change(row);
        }
        self.resort();
    }

    /// Adds a row (after a create).
    pub fn push_row(&mut self, key: RemoteKey) {
        let mut rows = std::mem::take(&mut self.rows);
        rows.retain(|row| row.id != key.id);
        rows.push(key);
        self.set_rows(rows);
    }

    /// Removes a row (after a delete).
    pub fn remove_row(&mut self, id: &str) {
        let mut rows = std::mem::take(&mut self.rows);
        rows.retain(|row| row.id != id);
        self.set_rows(rows);
    }

    /// The current sort, if any: column and ascending flag.
    pub fn sort(&self) -> Option<(SortColumn, bool)> {
        self.sort
    }

    /// Clicking a header: sort by it, or flip direction if already sorted by it.
    pub fn toggle_sort(&mut self, column: SortColumn) {
        self.sort = match self.sort {
            Some((current, ascending)) if current == column => Some((column, !ascending)),
            _ => Some((column, true)),
        };
        self.resort();
    }

    /// The filter text.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Sets the filter. When the new text extends the old one, only the
    /// rows that matched before are checked again.
    pub fn set_filter(&mut self, filter: &str) {
        if filter == self.filter {
            return;
        }
        let needle = filter.trim().to_lowercase();
        let previous = self.filter.trim().to_lowercase();
        self.filter = filter.to_string();
        if !previous.is_empty() && needle.contains(&previous) {
            let haystacks = &self.haystacks;
            self.visible
                .retain(|&index| haystacks[index].contains(&needle));
        } else {
            self.refilter();
        }
    }

    /// Number of rows shown.
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// The `n`th shown row.
    pub fn visible_row(&self, n: usize) -> Option<&RemoteKey> {
        self.visible.get(n).and_then(|&index| self.rows.get(index))
    }

    /// Total rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True with no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn resort(&mut self) {
        self.sorted = (0..self.rows.len()).collect();
        if let Some((column, ascending)) = self.sort {
            let rows = &self.rows;
            self.sorted.sort_by(|&a, &b| {
                let order = compare(&rows[a], &rows[b], column);
                if ascending { order } else { order.reverse() }
            });
        }
        self.refilter();
    }

    fn refilter(&mut self) {
        let needle = self.filter.trim().to_lowercase();
        if needle.is_empty() {
            self.visible = self.sorted.clone();
        } else {
            let haystacks = &self.haystacks;
            self.visible = self
                .sorted
                .iter()
                .copied()
                .filter(|&index| haystacks[index].contains(&needle))
                .collect();
        }
    }
}

fn haystack(key: &RemoteKey) -> String {
    let mut text = key.name.to_lowercase();
    for part in [&key.fingerprint_sha256, &key.fingerprint_md5, &key.comment]
        .into_iter()
        .flatten()
    {
        text.push('\u{1f}');
        text.push_str(&part.to_lowercase());
    }
    text
}

/// Text shown in the Kind column.
pub fn kind_label(key: &RemoteKey) -> String {
    match &key.scope {
        KeyScope::Account => "Project".to_string(),
        KeyScope::Region { region_name, .. } => format!("Regional (legacy): {region_name}"),
    }
}

fn compare(a: &RemoteKey, b: &RemoteKey, column: SortColumn) -> Ordering {
    let by_text = |x: &Option<String>, y: &Option<String>| {
        x.as_deref().unwrap_or("").cmp(y.as_deref().unwrap_or(""))
    };
    let primary = match column {
        SortColumn::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        SortColumn::Algorithm => by_text(&a.algorithm, &b.algorithm),
        SortColumn::Sha256 => by_text(&a.fingerprint_sha256, &b.fingerprint_sha256),
        SortColumn::Md5 => by_text(&a.fingerprint_md5, &b.fingerprint_md5),
        SortColumn::Kind => kind_label(a).cmp(&kind_label(b)),
        SortColumn::Shared => a.shared_in_project.cmp(&b.shared_in_project),
        SortColumn::Default => a.is_default.cmp(&b.is_default),
        SortColumn::State => by_text(&a.state, &b.state),
        SortColumn::Created => by_text(&a.created_at, &b.created_at),
        SortColumn::Updated => by_text(&a.updated_at, &b.updated_at),
    };
    // Stable tie-break so equal keys don't jump around between refreshes.
    primary.then_with(|| a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, name: &str, created: &str) -> RemoteKey {
        RemoteKey {
            id: id.into(),
            name: name.into(),
            created_at: Some(created.into()),
            fingerprint_sha256: Some(format!("SHA256:{id}fp")),
            ..RemoteKey::default()
        }
    }

    fn names(table: &KeyTable) -> Vec<String> {
        (0..table.visible_len())
            .map(|i| table.visible_row(i).unwrap().name.clone())
            .collect()
    }

    #[test]
    fn sorts_and_flips() {
        let mut table = KeyTable::default();
        table.set_rows(vec![
            key("1", "beta", "2024"),
            key("2", "Alpha", "2025"),
            key("3", "gamma", "2023"),
        ]);
        table.toggle_sort(SortColumn::Name);
        assert_eq!(names(&table), ["Alpha", "beta", "gamma"]);
        table.toggle_sort(SortColumn::Name);
        assert_eq!(names(&table), ["gamma", "beta", "Alpha"]);
        table.toggle_sort(SortColumn::Created);
        assert_eq!(names(&table), ["gamma", "beta", "Alpha"]);
    }

    #[test]
    fn filter_narrows_incrementally_and_widens() {
        let mut table = KeyTable::default();
        table.set_rows(vec![
            key("a1", "laptop", "1"),
            key("b2", "lab-gpu", "2"),
            key("c3", "ci", "3"),
        ]);
        table.set_filter("la");
        assert_eq!(names(&table), ["laptop", "lab-gpu"]);
        table.set_filter("lab");
        assert_eq!(names(&table), ["lab-gpu"]);
        table.set_filter("l");
        assert_eq!(names(&table), ["laptop", "lab-gpu"]);
        table.set_filter("c3FP");
        assert_eq!(names(&table), ["ci"]);
        table.set_filter("");
        assert_eq!(table.visible_len(), 3);
    }

    #[test]
    fn filter_survives_row_updates() {
        let mut table = KeyTable::default();
        table.set_rows(vec![key("1", "laptop", "1"), key("2", "desk", "2")]);
        table.set_filter("desk");
        table.update_row(key("1", "desk-2", "1"));
        assert_eq!(names(&table), ["desk-2", "desk"]);
        table.remove_row("2");
        assert_eq!(names(&table), ["desk-2"]);
    }
}
