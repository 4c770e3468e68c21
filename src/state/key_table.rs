//! The keys table's rows with a cached sort order and filter result, so a
//! frame only lays out visible rows and typing in the filter box does not
//! re-sort anything. The filter searches a compact lower-cased copy of the
//! searchable text, stored in sort order, with `memchr::memmem`; typing a
//! character re-checks only the rows that matched before, from where they
//! matched, and backspace restores an earlier result.
//!
//! Why an index and not a plain scan: the simplest filter that gives the
//! same rows (each row's lower-cased text made once, then `str::contains`
//! over every row per keystroke) takes 2.3–3.3 ms per character at
//! 100,000 keys on the bench machine, against 0.67–0.88 ms here
//! (`KEYFLEET_BENCH_ONLY=index cargo bench --features bench --bench perf`,
//! docs/PERFORMANCE.md). With the index the slowest typed character's
//! frame was 2.35–2.95× a frame without typing (goal ≤ 3×); with the
//! plain scan's time instead it would be about 4.5×.

use std::cmp::Ordering;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use memchr::memmem::Finder;

use crate::providers::{KeyScope, RemoteKey};

/// A sortable column (remembered between runs, hence serde).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
    /// Expiry (never-expiring keys last).
    Expires,
    /// Labels, as the column shows them.
    Labels,
}

/// How many earlier filter results are kept for backspace.
const FILTER_HISTORY: usize = 32;

/// Separates the parts of a row's search text.
const SEPARATOR: char = '\u{1f}';

/// Rows plus the derived order and filter.
#[derive(Debug, Default, Clone)]
pub struct KeyTable {
    /// Shared, so the fleet inventory can be built from every account's
    /// rows on a background thread without copying them; a change while a
    /// build still holds them copies once (`Arc::make_mut`).
    rows: Arc<Vec<RemoteKey>>,
    /// Row indices in sort order; a "position" is an index into this.
    sorted: Vec<usize>,
    /// Every row's search text, lower-cased `name␟sha256␟md5␟comment`
    /// (absent parts left out), back to back in sort order: a filter pass
    /// reads memory sequentially instead of 100,000 scattered strings.
    /// Offsets below count in a row's text.
    text: Text,
    /// Every row's lower-cased `name` or `name␟comment`, likewise: the
    /// same bytes as in `text`, without the fingerprints. Most filters
    /// match or fail in names and comments, and this copy is a fifth of
    /// the size, so a keystroke at 100,000 rows reads 2.5 MB, not 13 MB.
    names: Text,
    /// Per position: its lower-cased name is the first `name_ends[p]`
    /// bytes of its text (and of its `names` row). Read on every keystroke,
    /// so kept apart from the offsets needed less often, and in 32 bits
    /// (a row's text is far below 4 GiB).
    name_ends: Vec<u32>,
    /// Per position: where the comment starts in its text (the text's
    /// length without a comment).
    comment_starts: Vec<u32>,
    /// Every byte that occurs in some fingerprint (or a few more). A needle
    /// with any other byte can only match in a name or comment, so the
    /// fingerprints (most of the text) need not be searched.
    fingerprint_bytes: ByteSet,
    /// The current filter, trimmed and lower-cased.
    needle: String,
    /// Positions matching it, ascending.
    visible: Vec<u32>,
    /// Per visible position: a byte offset in its text at or before the
    /// needle's first occurrence (exactly it after a search). Typing one
    /// more character then costs a short comparison for every row whose
    /// match simply continues. Both vectors are reused between keystrokes.
    match_at: Vec<u32>,
    /// Earlier results whose needle is part of the current one: backspace
    /// restores them, and narrowing can start from them.
    history: Vec<Snapshot>,
    sort: Option<(SortColumn, bool)>,
    filter: String,
    /// The selected key, if any: kept by id across refreshes, sorting and
    /// filtering (a filtered-out key stays selected but is not drawn).
    selected: Option<Selected>,
    /// The selected key is to be scrolled into view once it is shown (see
    /// [`KeyTable::reveal`]).
    reveal_pending: bool,
    /// Changes whenever the rows change (see [`KeyTable::stamp`]).
    stamp: u64,
}

/// The selected key: its id, its index in `rows` (so drawing a row or the
/// details panel compares or looks up in O(1)), and its position in sort
/// order (so whether and where it is shown is a binary search).
#[derive(Debug, Clone)]
struct Selected {
    id: String,
    row: usize,
    position: usize,
}

/// Stamps handed out by [`KeyTable::stamp`]: one counter for every table,
/// so a stamp is never reused, even by another account's table.
static NEXT_STAMP: AtomicU64 = AtomicU64::new(1);

/// A move of the selection among the shown rows (keyboard).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectionMove {
    /// This many rows up (↑ is 1, PgUp a page).
    Up(usize),
    /// This many rows down.
    Down(usize),
    /// The first shown row (Home).
    First,
    /// The last shown row (End).
    Last,
}

impl SelectionMove {
    /// Where the selection goes among `shown` rows from shown row `at` (if
    /// one is selected and shown); `None` with no rows. With nothing
    /// selected, a move down starts at the first row and a move up at the
    /// last. Shared by the account table and "All keys".
    pub fn target(self, at: Option<usize>, shown: usize) -> Option<usize> {
        let last = shown.checked_sub(1)?;
        Some(match (at, self) {
            (_, Self::First) => 0,
            (_, Self::Last) => last,
            (Some(at), Self::Up(n)) => at.saturating_sub(n),
            (Some(at), Self::Down(n)) => at.saturating_add(n).min(last),
            (None, Self::Up(_)) => last,
            (None, Self::Down(_)) => 0,
        })
    }
}

/// The rows that matched an earlier needle, one bit per position (12.5 KB
/// for 100,000 rows, so keeping a few dozen costs little).
#[derive(Debug, Default, Clone)]
struct Snapshot {
    needle: String,
    bits: Vec<u64>,
}

impl Snapshot {
    fn new(needle: String, visible: &[u32], rows: usize) -> Self {
        let mut bits = vec![0u64; rows.div_ceil(64)];
        let mut index = 0;
        while let Some(&position) = visible.get(index) {
            // 64 shown rows in a row filling a whole word (typing often
            // narrows from every row): one store instead of 64.
            let word_start =
                position % 64 == 0 && visible.get(index + 63) == Some(&position.saturating_add(63));
            if word_start {
                bits[position as usize / 64] = u64::MAX;
                index += 64;
            } else {
                bits[position as usize / 64] |= 1 << (position % 64);
                index += 1;
            }
        }
        Self { needle, bits }
    }

    /// Writes the positions into `out`, ascending.
    fn positions_into(&self, out: &mut Vec<u32>) {
        out.clear();
        for (word_index, &word) in self.bits.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                out.push(word_index as u32 * 64 + word.trailing_zeros());
                word &= word - 1;
            }
        }
    }
}

/// What narrowing found in one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    /// The needle, at this offset in the row's search text.
    At(usize),
    /// Not in this row.
    NotHere,
    /// Neither in this row nor in any later one.
    NoneLeft,
}

impl From<Option<usize>> for Found {
    fn from(at: Option<usize>) -> Self {
        at.map_or(Self::NotHere, Self::At)
    }
}

/// From this many shown rows, narrowing searches the names in one pass.
const ONE_PASS_ROWS: usize = 1024;

/// Where a needle can occur in a row's search text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SearchScope {
    /// Anywhere, across parts too: the needle has a (pasted) separator.
    Everything,
    /// Inside one part: name, a fingerprint or comment.
    WithinParts,
    /// Only in the name or comment: the needle has a byte no fingerprint
    /// has, and no separator.
    NameAndComment,
}

/// Per-position strings stored back to back.
#[derive(Debug, Default, Clone)]
struct Text {
    text: String,
    /// Position `p`'s string is `text[starts[p]..starts[p + 1]]`.
    starts: Vec<usize>,
}

impl Text {
    fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut starts = Vec::with_capacity(rows + 1);
        starts.push(0);
        Self {
            text: String::with_capacity(bytes),
            starts,
        }
    }

    /// Empties it for `rows` strings of about `bytes` in all, keeping the
    /// allocations.
    fn clear(&mut self, rows: usize, bytes: usize) {
        self.text.clear();
        self.text.reserve(bytes);
        self.starts.clear();
        self.starts.reserve(rows + 1);
        self.starts.push(0);
    }

    /// Ends the string of the position being written.
    fn end_row(&mut self) {
        self.starts.push(self.text.len());
    }

    fn get(&self, position: usize) -> &str {
        &self.text[self.starts[position]..self.starts[position + 1]]
    }

    fn bytes(&self, position: usize) -> &[u8] {
        &self.text.as_bytes()[self.starts[position]..self.starts[position + 1]]
    }
}

/// A set of bytes.
#[derive(Clone, Copy, Debug, Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    /// What lower-cased fingerprints are made of: `sha256:` and base64,
    /// or colon-separated hex.
    const FINGERPRINT_ALPHABET: ByteSet = ByteSet::of(b"abcdefghijklmnopqrstuvwxyz0123456789+/=:");

    const fn of(bytes: &[u8]) -> Self {
        let mut words = [0u64; 4];
        let mut i = 0;
        while i < bytes.len() {
            words[(bytes[i] / 64) as usize] |= 1 << (bytes[i] % 64);
            i += 1;
        }
        Self(words)
    }

    fn insert(&mut self, byte: u8) {
        self.0[usize::from(byte / 64)] |= 1 << (byte % 64);
    }

    /// Adds the bytes of `text`, or a superset of them (fine for a set
    /// used to rule needles out): the usual fingerprint alphabet at once
    /// when `text` stays within it, which a branch-free pass can tell.
    fn insert_all(&mut self, text: &[u8]) {
        let usual = text.iter().fold(true, |usual, &byte| {
            usual
                & (byte.is_ascii_lowercase()
                    | byte.is_ascii_digit()
                    | (byte == b'+')
                    | (byte == b'/')
                    | (byte == b'=')
                    | (byte == b':'))
        });
        if usual {
            for (word, usual_word) in self.0.iter_mut().zip(Self::FINGERPRINT_ALPHABET.0) {
                *word |= usual_word;
            }
        } else {
            for &byte in text {
                self.insert(byte);
            }
        }
    }

    fn contains(&self, byte: u8) -> bool {
        self.0[usize::from(byte / 64)] & (1 << (byte % 64)) != 0
    }
}

impl KeyTable {
    /// Replaces the rows, keeping sort and filter.
    pub fn set_rows(&mut self, rows: Vec<RemoteKey>) {
        self.rows = Arc::new(rows);
        self.rebuild();
    }

    /// All rows in provider order.
    pub fn rows(&self) -> &[RemoteKey] {
        &self.rows
    }

    /// The rows, shared (no copy): for work on another thread.
    pub fn shared_rows(&self) -> Arc<Vec<RemoteKey>> {
        Arc::clone(&self.rows)
    }

    /// Changes one row in place (share toggle, rename) without a reload.
    pub fn update_row(&mut self, key: RemoteKey) {
        if let Some(index) = self.rows.iter().position(|row| row.id == key.id) {
            Arc::make_mut(&mut self.rows)[index] = key;
            self.rebuild();
        }
    }

    /// Applies a change to every row (e.g. moving the default marker).
    pub fn update_all(&mut self, mut change: impl FnMut(&mut RemoteKey)) {
        for row in Arc::make_mut(&mut self.rows) {
            change(row);
        }
        self.rebuild();
    }

    /// Adds a row (after a create).
    pub fn push_row(&mut self, key: RemoteKey) {
        let rows = Arc::make_mut(&mut self.rows);
        rows.retain(|row| row.id != key.id);
        rows.push(key);
        self.rebuild();
    }

    /// Removes a row (after a delete). If it was selected, the row that
    /// takes its place on screen is selected, so deleting one key after
    /// another from the keyboard keeps working.
    pub fn remove_row(&mut self, id: &str) {
        let was_at = self
            .selected
            .as_ref()
            .filter(|selected| selected.id == id)
            .and_then(|_| self.selected_visible_index());
        Arc::make_mut(&mut self.rows).retain(|row| row.id != id);
        self.rebuild();
        if let Some(index) = was_at {
            self.select_visible(index.min(self.visible_len().saturating_sub(1)));
        }
    }

    /// Selects the key with this id; false (selection unchanged) if there
    /// is none.
    pub fn select(&mut self, id: &str) -> bool {
        let Some(row) = self.rows.iter().position(|row| row.id == id) else {
            return false;
        };
        let position = self.position_of_row(row);
        self.selected = Some(Selected {
            id: id.to_string(),
            row,
            position,
        });
        self.reveal_pending = false;
        true
    }

    /// Selects the key with this id and asks the table to scroll it into
    /// view once it is shown ([`KeyTable::take_reveal`]): after it was
    /// added or renamed, wherever the sort puts it. False if there is none.
    pub fn reveal(&mut self, id: &str) -> bool {
        let found = self.select(id);
        self.reveal_pending = found;
        found
    }

    /// The shown row to scroll to for a [`KeyTable::reveal`], once: `None`
    /// when nothing waits, or while the filter hides the key (it is
    /// scrolled to when the filter lets it through).
    pub fn take_reveal(&mut self) -> Option<usize> {
        if !self.reveal_pending {
            return None;
        }
        let shown = self.selected_visible_index()?;
        self.reveal_pending = false;
        Some(shown)
    }

    /// True when a key is selected that the filter does not show (the
    /// panel then says so). A binary search: cheap every frame.
    pub fn selected_hidden_by_filter(&self) -> bool {
        self.selected.is_some() && self.selected_visible_index().is_none()
    }

    /// Where row `row` is in sort order.
    fn position_of_row(&self, row: usize) -> usize {
        self.sorted
            .iter()
            .position(|&sorted| sorted == row)
            .unwrap_or(row)
    }

    /// Selects the `n`th shown row; false if there is none.
    pub fn select_visible(&mut self, n: usize) -> bool {
        let Some(row) = self.visible_row_index(n) else {
            return false;
        };
        self.selected = Some(Selected {
            id: self.rows[row].id.clone(),
            row,
            position: self.visible[n] as usize,
        });
        self.reveal_pending = false;
        true
    }

    /// Selects nothing.
    pub fn clear_selection(&mut self) {
        self.selected = None;
        self.reveal_pending = false;
    }

    /// The selected key (shown or filtered out).
    pub fn selected_key(&self) -> Option<&RemoteKey> {
        self.rows.get(self.selected.as_ref()?.row)
    }

    /// True when the `n`th shown row is the selected key: O(1), for
    /// drawing each row.
    pub fn is_selected(&self, n: usize) -> bool {
        self.selected
            .as_ref()
            .is_some_and(|selected| self.visible_row_index(n) == Some(selected.row))
    }

    /// Where the selected key is among the shown rows, if it is shown
    /// (a binary search: the shown positions are ascending).
    pub fn selected_visible_index(&self) -> Option<usize> {
        let position = u32::try_from(self.selected.as_ref()?.position).ok()?;
        self.visible.binary_search(&position).ok()
    }

    /// Moves the selection among the shown rows and returns where it is
    /// now, for scrolling to it. With no shown selection, a move down (or
    /// Home) starts at the first row and a move up (or End) at the last.
    pub fn move_selection(&mut self, movement: SelectionMove) -> Option<usize> {
        let target = movement.target(self.selected_visible_index(), self.visible_len())?;
        self.select_visible(target);
        Some(target)
    }

    /// A number that changes whenever the rows change (never reused, even
    /// across tables): caches derived from the rows compare it.
    pub fn stamp(&self) -> u64 {
        self.stamp
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

    /// Sets the sort (a remembered one at start-up); `None` keeps the
    /// provider's order.
    pub fn set_sort(&mut self, sort: Option<(SortColumn, bool)>) {
        if self.sort != sort {
            self.sort = sort;
            self.resort();
        }
    }

    /// The filter text.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Sets the filter. A row matches when its name, fingerprints or
    /// comment contain the trimmed filter, ignoring case. Typing more only
    /// re-checks the rows that matched before (from where they matched),
    /// and backspace brings back the earlier result without searching.
    pub fn set_filter(&mut self, filter: &str) {
        if filter == self.filter {
            return;
        }
        self.filter = filter.to_string();
        let needle = filter.trim().to_lowercase();
        if needle == self.needle {
            return;
        }
        if needle.is_empty() {
            self.history.clear();
            self.needle = needle;
            self.show_all();
            return;
        }
        let previous = std::mem::take(&mut self.needle);
        let narrow_current = !previous.is_empty() && needle.contains(&previous);
        let extends = narrow_current && needle.starts_with(&previous);
        if !previous.is_empty() {
            let snapshot = Snapshot::new(previous, &self.visible, self.rows.len());
            self.history.push(snapshot);
        }
        // Only results for parts of the new needle stay useful: every row
        // matching the new needle is among theirs.
        self.history
            .retain(|earlier| needle.contains(&earlier.needle));
        self.history.sort_by_key(|earlier| earlier.needle.len());
        if self.history.len() > FILTER_HISTORY {
            let excess = self.history.len() - FILTER_HISTORY;
            self.history.drain(..excess);
        }
        match self.history.last() {
            // Backspace: the result is known.
            Some(earlier) if earlier.needle == needle => {
                earlier.positions_into(&mut self.visible);
                self.match_at.clear();
                self.match_at.resize(self.visible.len(), 0);
            }
            _ if narrow_current => self.narrow(&needle, extends),
            Some(earlier) => {
                earlier.positions_into(&mut self.visible);
                self.match_at.clear();
                self.match_at.resize(self.visible.len(), 0);
                self.narrow(&needle, false);
            }
            None => self.search_all(&needle),
        }
        self.needle = needle;
    }

    /// Number of rows shown.
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// The `n`th shown row.
    pub fn visible_row(&self, n: usize) -> Option<&RemoteKey> {
        self.rows.get(self.visible_row_index(n)?)
    }

    /// The `n`th shown row with where it is in the table's rows: with
    /// [`KeyTable::stamp`], a name for the row that stays the same until
    /// the rows change (cell caches use it).
    pub fn visible_row_at(&self, n: usize) -> Option<(usize, &RemoteKey)> {
        let index = self.visible_row_index(n)?;
        Some((index, self.rows.get(index)?))
    }

    /// The index in [`KeyTable::rows`] of the `n`th shown row.
    fn visible_row_index(&self, n: usize) -> Option<usize> {
        let position = *self.visible.get(n)? as usize;
        self.sorted.get(position).copied()
    }

    /// Total rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True with no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Rows changed: rebuild the search text (in row order), then sort.
    fn rebuild(&mut self) {
        self.stamp = NEXT_STAMP.fetch_add(1, AtomicOrdering::Relaxed);
        // The selected key keeps its selection if it is still there.
        self.selected = self.selected.take().and_then(|selected| {
            let row = self.rows.iter().position(|row| row.id == selected.id)?;
            Some(Selected { row, ..selected })
        });
        self.reveal_pending &= self.selected.is_some();
        let rows = self.rows.len();
        // Refill the old buffer: after a refresh the sizes barely change,
        // and fresh memory would cost a page fault per 4 KB.
        let mut text = std::mem::take(&mut self.text);
        text.clear(rows, rows * 132);
        let mut names = std::mem::take(&mut self.names);
        names.clear(rows, rows * 32);
        let mut name_ends = std::mem::take(&mut self.name_ends);
        name_ends.clear();
        let mut comment_starts = std::mem::take(&mut self.comment_starts);
        comment_starts.clear();
        let mut fingerprint_bytes = ByteSet::default();
        for key in self.rows.iter() {
            let start = text.text.len();
            push_lowercase(&mut text.text, &key.name);
            let name_end = text.text.len() - start;
            for fingerprint in [&key.fingerprint_sha256, &key.fingerprint_md5]
                .into_iter()
                .flatten()
            {
                text.text.push(SEPARATOR);
                let from = text.text.len();
                push_lowercase(&mut text.text, fingerprint);
                fingerprint_bytes.insert_all(&text.text.as_bytes()[from..]);
            }
            if key.comment.is_some() {
                text.text.push(SEPARATOR);
            }
            let comment_start = text.text.len() - start;
            if let Some(comment) = &key.comment {
                push_lowercase(&mut text.text, comment);
            }
            names.text.push_str(&text.text[start..start + name_end]);
            if key.comment.is_some() {
                names.text.push(SEPARATOR);
                names.text.push_str(&text.text[start + comment_start..]);
            }
            text.end_row();
            names.end_row();
            name_ends.push(name_end as u32);
            comment_starts.push(comment_start as u32);
        }
        self.text = text;
        self.names = names;
        self.name_ends = name_ends;
        self.comment_starts = comment_starts;
        self.fingerprint_bytes = fingerprint_bytes;
        self.sorted = (0..rows).collect();
        self.resort();
    }

    fn resort(&mut self) {
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        if let Some((column, ascending)) = self.sort {
            // Where each row's text is now, for the lower-cased names.
            let mut position_of = vec![0; self.rows.len()];
            for (position, &row) in self.sorted.iter().enumerate() {
                position_of[row] = position;
            }
            order.sort_by(|&a, &b| {
                let order = self.compare(a, b, column, &position_of);
                if ascending { order } else { order.reverse() }
            });
        }
        if order != self.sorted {
            self.lay_out(&order);
        }
        if let Some(row) = self.selected.as_ref().map(|selected| selected.row) {
            let position = self.position_of_row(row);
            if let Some(selected) = &mut self.selected {
                selected.position = position;
            }
        }
        self.refilter();
    }

    /// Rearranges the search text into `order` (row indices).
    fn lay_out(&mut self, order: &[usize]) {
        let mut position_of = vec![0; self.rows.len()];
        for (position, &row) in self.sorted.iter().enumerate() {
            position_of[row] = position;
        }
        let mut text = Text::with_capacity(order.len(), self.text.text.len());
        let mut names = Text::with_capacity(order.len(), self.names.text.len());
        let mut name_ends = Vec::with_capacity(order.len());
        let mut comment_starts = Vec::with_capacity(order.len());
        for &row in order {
            let old = position_of[row];
            text.text.push_str(self.text.get(old));
            text.end_row();
            names.text.push_str(self.names.get(old));
            names.end_row();
            name_ends.push(self.name_ends[old]);
            comment_starts.push(self.comment_starts[old]);
        }
        self.text = text;
        self.names = names;
        self.name_ends = name_ends;
        self.comment_starts = comment_starts;
        self.sorted = order.to_vec();
    }

    /// Recomputes the filter result from scratch (rows or order changed).
    fn refilter(&mut self) {
        self.history.clear();
        self.needle = self.filter.trim().to_lowercase();
        if self.needle.is_empty() {
            self.show_all();
        } else {
            let needle = self.needle.clone();
            self.search_all(&needle);
        }
    }

    fn show_all(&mut self) {
        self.visible.clear();
        self.visible.extend(0..self.rows.len() as u32);
        self.match_at.clear();
        self.match_at.resize(self.rows.len(), 0);
    }

    fn search_all(&mut self, needle: &str) {
        let mut visible = std::mem::take(&mut self.visible);
        let mut match_at = std::mem::take(&mut self.match_at);
        visible.clear();
        match_at.clear();
        let finder = Finder::new(needle);
        let scope = self.scope_for(needle);
        for position in 0..self.rows.len() {
            if let Some(at) = self.find_in_row(position, &finder, 0, scope) {
                visible.push(position as u32);
                match_at.push(at as u32);
            }
        }
        self.visible = visible;
        self.match_at = match_at;
    }

    /// Keeps the visible rows that contain `needle`, which contains the
    /// needle they were found with (`extends`: starts with it, so no
    /// occurrence comes before the old one's).
    fn narrow(&mut self, needle: &str, extends: bool) {
        let finder = Finder::new(needle);
        let scope = self.scope_for(needle);
        if scope == SearchScope::NameAndComment && self.visible.len() >= ONE_PASS_ROWS {
            self.narrow_in_one_pass(&finder, extends);
            return;
        }
        self.retain_shown(|table, position, old_match| {
            let from = if extends { old_match } else { 0 };
            Found::from(table.find_in_row(position, &finder, from, scope))
        });
    }

    /// Keeps the shown rows for which `find` (given the row's position and
    /// where the shorter needle matched in it) finds the new needle, with
    /// where it did, up to the first row for which it finds none left.
    fn retain_shown(&mut self, mut find: impl FnMut(&Self, usize, usize) -> Found) {
        let mut visible = std::mem::take(&mut self.visible);
        let mut match_at = std::mem::take(&mut self.match_at);
        let mut kept = 0;
        for index in 0..visible.len() {
            let position = visible[index] as usize;
            match find(self, position, match_at[index] as usize) {
                Found::At(found) => {
                    visible[kept] = position as u32;
                    match_at[kept] = found as u32;
                    kept += 1;
                }
                Found::NotHere => {}
                Found::NoneLeft => break,
            }
        }
        visible.truncate(kept);
        match_at.truncate(kept);
        self.visible = visible;
        self.match_at = match_at;
    }

    /// [`KeyTable::narrow`] for a needle that can only be in names and
    /// comments, over many rows: one search runs along the back-to-back
    /// `name␟comment` copies, so a run of rows without the needle costs
    /// one SIMD scan instead of a search per row (typing the character
    /// that drops most rows was the slowest keystroke). Gives exactly what
    /// [`KeyTable::find_in_row`] gives row by row: the first occurrence in
    /// the row at or after where the shorter needle matched.
    fn narrow_in_one_pass(&mut self, finder: &Finder<'_>, extends: bool) {
        // The last search: where it started and the first occurrence it
        // found. That occurrence is also the first at or after any later
        // start it does not precede, so most rows need no search at all.
        let mut last: Option<(usize, Option<usize>)> = None;
        self.retain_shown(|table, position, old_match| {
            let all = table.names.text.as_bytes();
            let needle = finder.needle();
            let row_start = table.names.starts[position];
            let row_end = table.names.starts[position + 1];
            let name_end = table.name_ends[position] as usize;
            let comment_start = table.comment_starts[position] as usize;
            let from = if extends {
                text_to_names(old_match, name_end, comment_start)
            } else {
                0
            };
            // Past this row's names (the old match was in a fingerprint
            // and the row has no comment): nothing left to find.
            if from > row_end - row_start {
                return Found::NotHere;
            }
            // Most rows still match where the shorter needle did: one
            // comparison, as row by row.
            if from < name_end && occurs_at(&all[row_start..row_end], from, needle) {
                return Found::At(from);
            }
            let start = row_start + from;
            let found = match last {
                Some((searched_from, hit))
                    if searched_from <= start && hit.is_none_or(|at| at >= start) =>
                {
                    hit
                }
                _ => {
                    let hit = finder.find(&all[start..]).map(|at| start + at);
                    last = Some((start, hit));
                    hit
                }
            };
            match found {
                // No occurrence from here to the end of the names, and the
                // rows left come later: none of them matches (typing the
                // character that drops most rows stops here).
                None => Found::NoneLeft,
                Some(found) if found + needle.len() <= row_end => {
                    Found::At(names_to_text(found - row_start, name_end, comment_start))
                }
                Some(_) => Found::NotHere,
            }
        });
    }

    /// Which parts of the rows can contain `needle`.
    fn scope_for(&self, needle: &str) -> SearchScope {
        if needle.contains(SEPARATOR) {
            SearchScope::Everything
        } else if needle
            .bytes()
            .all(|byte| self.fingerprint_bytes.contains(byte))
        {
            SearchScope::WithinParts
        } else {
            SearchScope::NameAndComment
        }
    }

    /// The byte offset of the first occurrence of the finder's needle in
    /// position `p`'s search text, given an offset `from` at or before it.
    /// Without a separator in the needle, the name and comment are searched
    /// in their compact copy in `names` (one search: the needle cannot
    /// span their separator), the fingerprints in the text only when the
    /// needle could be there and no earlier match was found.
    #[inline]
    fn find_in_row(
        &self,
        position: usize,
        finder: &Finder<'_>,
        from: usize,
        scope: SearchScope,
    ) -> Option<usize> {
        if scope == SearchScope::Everything {
            // A pasted separator can match across parts: only the whole
            // text will do (never on a typing path, so never hot).
            return find_from(finder, self.text.bytes(position), from);
        }
        let names = self.names.bytes(position);
        let name_end = self.name_ends[position] as usize;
        // Most typed filters are name prefixes, and a longer needle mostly
        // continues where the shorter one matched: one comparison settles
        // those rows without starting a search.
        if from < name_end && occurs_at(names, from, finder.needle()) {
            return Some(from);
        }
        // `names` is `name␟comment`; the text has the fingerprints between.
        let comment_start = self.comment_starts[position] as usize;
        let in_names = find_from(finder, names, text_to_names(from, name_end, comment_start))
            .map(|at| names_to_text(at, name_end, comment_start));
        if scope == SearchScope::WithinParts && in_names.is_none_or(|at| at >= comment_start) {
            let fingerprints = &self.text.bytes(position)[..comment_start];
            if let Some(at) = find_from(finder, fingerprints, from.max(name_end)) {
                return Some(at);
            }
        }
        in_names
    }

    fn compare(&self, a: usize, b: usize, column: SortColumn, position_of: &[usize]) -> Ordering {
        let (x, y) = (&self.rows[a], &self.rows[b]);
        let by_text = |x: Option<&str>, y: Option<&str>| x.unwrap_or("").cmp(y.unwrap_or(""));
        let primary = match column {
            // Lower-cased names are already in the search text.
            SortColumn::Name => {
                let name = |row: usize| {
                    let position = position_of[row];
                    &self.names.get(position)[..self.name_ends[position] as usize]
                };
                name(a).cmp(name(b))
            }
            // By what the column shows, so "RSA 2048" sorts before "RSA 4096".
            SortColumn::Algorithm => x
                .algorithm_shown()
                .unwrap_or("")
                .cmp(y.algorithm_shown().unwrap_or("")),
            SortColumn::Sha256 => by_text(
                x.fingerprint_sha256.as_deref(),
                y.fingerprint_sha256.as_deref(),
            ),
            SortColumn::Md5 => by_text(x.fingerprint_md5.as_deref(), y.fingerprint_md5.as_deref()),
            SortColumn::Kind => match (&x.kind_label, &y.kind_label) {
                (None, None) => compare_kind(&x.scope, &y.scope),
                _ => kind_label(x, "").cmp(&kind_label(y, "")),
            },
            SortColumn::Shared => x.shared_in_project.cmp(&y.shared_in_project),
            SortColumn::Default => x.is_default.cmp(&y.is_default),
            SortColumn::State => by_text(x.state.as_deref(), y.state.as_deref()),
            SortColumn::Created => {
                crate::dates::compare(x.created_at.as_deref(), y.created_at.as_deref())
            }
            SortColumn::Updated => {
                crate::dates::compare(x.updated_at.as_deref(), y.updated_at.as_deref())
            }
            // "Never" is the latest expiry of all.
            SortColumn::Expires => match (x.expires_at.as_deref(), y.expires_at.as_deref()) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (x, y) => crate::dates::compare(x, y),
            },
            SortColumn::Labels => labels_text(x).cmp(&labels_text(y)),
        };
        // Stable tie-break so equal keys don't jump around between refreshes.
        primary.then_with(|| x.id.cmp(&y.id))
    }
}

/// Appends `text` lower-cased (ASCII in place; anything else through
/// `str::to_lowercase`, which handles context such as a final sigma).
fn push_lowercase(out: &mut String, text: &str) {
    if text.is_ascii() {
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&text.to_lowercase());
    }
}

/// A row's offset in its whole search text (`name␟sha256␟md5␟comment`)
/// as an offset in its `name␟comment` copy; an offset in the fingerprints
/// becomes the comment's start.
fn text_to_names(at: usize, name_end: usize, comment_start: usize) -> usize {
    if at <= name_end {
        at
    } else {
        name_end + 1 + at.saturating_sub(comment_start)
    }
}

/// The other way: an offset in `name␟comment` as one in the whole text.
fn names_to_text(at: usize, name_end: usize, comment_start: usize) -> usize {
    if at < name_end {
        at
    } else {
        comment_start + (at - name_end - 1)
    }
}

/// Whether `needle` occurs in `text` at byte `at`. A plain loop: needles
/// are short, this runs once per row per keystroke, and `starts_with`
/// would call `memcmp` (0.4 ms more per keystroke at 100,000 rows).
#[inline]
fn occurs_at(text: &[u8], at: usize, needle: &[u8]) -> bool {
    match text.get(at..at.saturating_add(needle.len())) {
        Some(here) => here.iter().zip(needle).all(|(a, b)| a == b),
        None => false,
    }
}

/// The byte offset of the first occurrence of the finder's needle in
/// `text` at or after byte `from`. Byte-wise matching is exact for UTF-8:
/// a match can only start at a character boundary.
#[inline]
fn find_from(finder: &Finder<'_>, text: &[u8], from: usize) -> Option<usize> {
    finder.find(text.get(from..)?).map(|at| from + at)
}

/// Text shown in the Kind column: `account_kind` (the provider's word for
/// an account's own keys) for those, borrowed so drawing a row builds no
/// string in the common case.
pub fn kind_label(key: &RemoteKey, account_kind: &'static str) -> std::borrow::Cow<'static, str> {
    if let Some(label) = &key.kind_label {
        return label.to_string().into();
    }
    match &key.scope {
        KeyScope::Account => account_kind.into(),
        KeyScope::Region { region_name, .. } => format!("Regional (legacy): {region_name}").into(),
        KeyScope::Signing => "Signing".into(),
    }
}

/// A key's labels as the Labels column shows them: `key=value`,
/// comma-joined in key order; empty when it has none.
pub fn labels_text(key: &RemoteKey) -> String {
    key.labels.as_ref().map_or_else(String::new, |labels| {
        labels
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// Orders like comparing [`kind_label`]s, without building them.
fn compare_kind(a: &KeyScope, b: &KeyScope) -> Ordering {
    match (a, b) {
        (KeyScope::Account, KeyScope::Account) => Ordering::Equal,
        // "Project" < "Regional (legacy): …"
        (KeyScope::Account, KeyScope::Region { .. }) => Ordering::Less,
        (KeyScope::Region { .. }, KeyScope::Account) => Ordering::Greater,
        (KeyScope::Region { region_name: x, .. }, KeyScope::Region { region_name: y, .. }) => {
            x.cmp(y)
        }
        // "Project" < "Regional (legacy): …" < "Signing"
        (KeyScope::Signing, KeyScope::Signing) => Ordering::Equal,
        (KeyScope::Signing, _) => Ordering::Greater,
        (_, KeyScope::Signing) => Ordering::Less,
    }
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
            .map(|i| table.visible_row(i).unwrap().name.to_string())
            .collect()
    }

    fn selected_name(table: &KeyTable) -> Option<&str> {
        table.selected_key().map(|key| key.name.as_str())
    }

    #[test]
    fn a_revealed_key_is_scrolled_to_once_where_the_sort_and_filter_put_it() {
        let mut table = KeyTable::default();
        table.set_rows(
            ["m", "b", "x", "a"]
                .iter()
                .map(|name| key(name, name, "2024-01-01"))
                .collect(),
        );
        table.toggle_sort(SortColumn::Name);
        // Added last, sorted first.
        table.push_row(key("0", "0-new", "2024-01-02"));
        assert!(table.reveal("0"));
        assert_eq!(table.take_reveal(), Some(0));
        assert_eq!(table.take_reveal(), None, "once");
        // Hidden by the filter: waits, and says so, until it is shown.
        table.set_filter("x");
        assert!(table.reveal("0"));
        assert!(table.selected_hidden_by_filter());
        assert_eq!(table.take_reveal(), None);
        table.set_filter("");
        assert!(!table.selected_hidden_by_filter());
        assert_eq!(table.take_reveal(), Some(0));
        // A refresh keeps a waiting reveal; a user's own selection ends it.
        table.reveal("x");
        table.set_rows(table.rows().to_vec());
        table.toggle_sort(SortColumn::Name);
        assert_eq!(table.take_reveal(), Some(0), "x first, descending");
        table.reveal("m");
        table.select_visible(4);
        assert_eq!(table.take_reveal(), None);
        assert!(!table.reveal("gone"));
    }

    #[test]
    fn where_the_selection_is_shown_matches_a_scan_of_the_shown_rows() {
        let mut table = KeyTable::default();
        let names = ["delta", "alpha", "echo", "bravo", "charlie", "alp"];
        table.set_rows(names.iter().map(|n| key(n, n, "2024-01-01")).collect());
        for sort in [
            None,
            Some((SortColumn::Name, true)),
            Some((SortColumn::Name, false)),
        ] {
            table.set_sort(sort);
            for filter in ["", "a", "al", "e", "zzz"] {
                table.set_filter(filter);
                for id in names {
                    table.select(id);
                    let scan = (0..table.visible_len()).find(|&n| table.is_selected(n));
                    assert_eq!(
                        table.selected_visible_index(),
                        scan,
                        "{sort:?} {filter:?} {id}"
                    );
                    assert_eq!(table.selected_hidden_by_filter(), scan.is_none());
                }
            }
        }
    }

    #[test]
    fn selection_moves_among_shown_rows_and_survives_sort_filter_and_refresh() {
        let mut table = KeyTable::default();
        table.set_rows(
            ["c", "a", "d", "b"]
                .iter()
                .map(|name| key(name, name, "2024-01-01"))
                .collect(),
        );
        table.toggle_sort(SortColumn::Name);
        assert_eq!(table.move_selection(SelectionMove::Up(1)), Some(3));
        assert_eq!(selected_name(&table), Some("d"), "up from nothing: last");
        assert_eq!(table.move_selection(SelectionMove::Up(10)), Some(0));
        assert_eq!(selected_name(&table), Some("a"));
        table.move_selection(SelectionMove::Down(2));
        assert_eq!(selected_name(&table), Some("c"));
        assert!(table.is_selected(2) && !table.is_selected(1));
        table.move_selection(SelectionMove::Down(10));
        assert_eq!(selected_name(&table), Some("d"));
        table.move_selection(SelectionMove::First);
        assert_eq!(selected_name(&table), Some("a"));
        table.move_selection(SelectionMove::Last);
        assert_eq!(selected_name(&table), Some("d"));

        // Sorting the other way keeps the key, at its new place.
        table.toggle_sort(SortColumn::Name);
        assert_eq!(table.selected_visible_index(), Some(0));
        // Filtered out: still selected, not shown.
        table.set_filter("b");
        assert_eq!(selected_name(&table), Some("d"));
        assert_eq!(table.selected_visible_index(), None);
        assert!(!table.is_selected(0));
        table.set_filter("");
        // A refresh keeps the selection by id; a vanished key drops it.
        table.set_rows(vec![key("d", "d", "x"), key("e", "e", "x")]);
        assert_eq!(selected_name(&table), Some("d"));
        table.set_rows(vec![key("e", "e", "x")]);
        assert_eq!(selected_name(&table), None);
        assert!(table.select("e"));
        assert!(!table.select("nope"));
        assert_eq!(selected_name(&table), Some("e"));
        table.clear_selection();
        assert_eq!(selected_name(&table), None);
        // Nothing shown: nothing to move to.
        table.set_rows(Vec::new());
        assert_eq!(table.move_selection(SelectionMove::Down(1)), None);
    }

    #[test]
    fn deleting_the_selected_key_selects_the_one_in_its_place() {
        let mut table = KeyTable::default();
        table.set_rows(
            ["a", "b", "c"]
                .iter()
                .map(|name| key(name, name, "2024-01-01"))
                .collect(),
        );
        let stamp = table.stamp();
        table.select("b");
        table.remove_row("b");
        assert_ne!(table.stamp(), stamp, "rows changed");
        assert_eq!(selected_name(&table), Some("c"));
        table.remove_row("c");
        assert_eq!(
            selected_name(&table),
            Some("a"),
            "the last row: the one above"
        );
        // Deleting another key keeps the selection.
        table.set_rows(vec![key("a", "a", "x"), key("z", "z", "x")]);
        table.remove_row("z");
        assert_eq!(selected_name(&table), Some("a"));
        table.remove_row("a");
        assert_eq!(selected_name(&table), None);
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

    #[test]
    fn backspace_restores_and_middle_edits_narrow() {
        let mut table = KeyTable::default();
        table.set_rows(vec![
            key("1", "alice-laptop", "1"),
            key("2", "ALICE-desk", "2"),
            key("3", "bob-laptop", "3"),
        ]);
        table.toggle_sort(SortColumn::Name);
        for (typed, expected) in [
            ("a", vec!["alice-desk", "alice-laptop", "bob-laptop"]),
            ("al", vec!["alice-desk", "alice-laptop"]),
            ("ali", vec!["alice-desk", "alice-laptop"]),
            ("al", vec!["alice-desk", "alice-laptop"]),
            ("a", vec!["alice-desk", "alice-laptop", "bob-laptop"]),
            ("lap", vec!["alice-laptop", "bob-laptop"]),
            // A character inserted before the old text.
            ("-lap", vec!["alice-laptop", "bob-laptop"]),
            ("e-lap", vec!["alice-laptop"]),
            ("  E-LAP ", vec!["alice-laptop"]),
            ("desk", vec!["alice-desk"]),
        ] {
            table.set_filter(typed);
            let shown: Vec<String> = names(&table).iter().map(|n| n.to_lowercase()).collect();
            assert_eq!(shown, expected, "filter {typed:?}");
        }
    }

    #[test]
    fn sorting_by_kind_matches_the_labels() {
        let region = |id: &str, name: &str| RemoteKey {
            id: id.into(),
            name: id.into(),
            scope: KeyScope::Region {
                region_id: 1,
                region_name: name.into(),
            },
            ..RemoteKey::default()
        };
        let mut rows = vec![
            region("r1", "Luxembourg-2"),
            key("p1", "p1", "1"),
            region("r2", "Frankfurt"),
            key("p2", "p2", "1"),
        ];
        let mut table = KeyTable::default();
        table.set_rows(rows.clone());
        table.toggle_sort(SortColumn::Kind);
        rows.sort_by(|a, b| {
            kind_label(a, "Project")
                .cmp(&kind_label(b, "Project"))
                .then_with(|| a.id.cmp(&b.id))
        });
        let expected: Vec<String> = rows.iter().map(|k| k.name.to_string()).collect();
        assert_eq!(names(&table), expected);
    }

    mod filter_model {
        use super::*;
        use proptest::prelude::*;

        /// What the filter promises, computed the slow, obvious way.
        fn expected(rows: &[RemoteKey], sorted_names: &[String], filter: &str) -> Vec<String> {
            let needle = filter.trim().to_lowercase();
            sorted_names
                .iter()
                .filter(|name| {
                    let key = rows.iter().find(|k| k.name == **name).unwrap();
                    let parts = [
                        Some(key.name.as_str()),
                        key.fingerprint_sha256.as_deref(),
                        key.fingerprint_md5.as_deref(),
                        key.comment.as_deref(),
                    ];
                    parts
                        .iter()
                        .flatten()
                        .map(|part| part.to_lowercase())
                        .collect::<Vec<_>>()
                        .join("\u{1f}")
                        .contains(&needle)
                })
                .cloned()
                .collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// Any sequence of typing, backspacing and replacing shows
            /// exactly the rows that contain the filter, in sort order.
            #[test]
            fn incremental_filter_equals_a_full_scan(
                names in proptest::collection::btree_set("[abAB\u{e9}\u{c9}\u{3a3}\u{3c3}ß -]{1,8}", 1..25),
                comments in proptest::collection::vec(proptest::option::of("[abΣé ]{0,6}"), 25),
                steps in proptest::collection::vec(
                    prop_oneof![
                        "[abAB\u{e9}\u{c9}\u{3a3}ß :1\u{1f}-]".prop_map(Some),
                        Just(None),
                    ],
                    1..30,
                ),
                resets in proptest::collection::vec("[abé ]{0,3}", 0..3),
            ) {
                let rows: Vec<RemoteKey> = names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| RemoteKey {
                        id: format!("{i:03}"),
                        name: name.as_str().into(),
                        comment: comments[i % comments.len()].as_deref().map(Into::into),
                        fingerprint_md5: (i % 3 == 0).then(|| format!("aB:{i}")),
                        // Unusual bytes in a fingerprint (for the byte-set shortcut).
                        fingerprint_sha256: (i % 4 == 1).then(|| format!("SHA256:{name}")),
                        ..RemoteKey::default()
                    })
                    .collect();
                let mut table = KeyTable::default();
                table.set_rows(rows.clone());
                table.toggle_sort(SortColumn::Name);
                let sorted_names: Vec<String> = {
                    table.set_filter("");
                    names_of(&table)
                };
                let mut typed = String::new();
                for step in &steps {
                    match step {
                        Some(text) => typed.push_str(text),
                        None => {
                            typed.pop();
                        }
                    }
                    table.set_filter(&typed);
                    prop_assert_eq!(names_of(&table), expected(&rows, &sorted_names, &typed));
                }
                for reset in &resets {
                    table.set_filter(reset);
                    prop_assert_eq!(names_of(&table), expected(&rows, &sorted_names, reset));
                }
            }
        }

        fn names_of(table: &KeyTable) -> Vec<String> {
            names(table)
        }

        /// Characters whose lower-casing is unusual: the Kelvin sign and
        /// dotted capital I change length, sigma depends on its neighbours,
        /// plus emoji, CJK, the separator and bytes fingerprints contain.
        macro_rules! tricky {
            ($repeat:literal) => {
                concat!(
                    "[aAkK\u{212a}iI\u{130}\u{131}ßẞΣσςéÉ😀中 :=+/_\u{1f}-]",
                    $repeat
                )
            };
        }

        /// What a row shows to the filter, computed the obvious way.
        fn naive_text(key: &RemoteKey) -> String {
            [
                Some(key.name.as_str()),
                key.fingerprint_sha256.as_deref(),
                key.fingerprint_md5.as_deref(),
                key.comment.as_deref(),
            ]
            .into_iter()
            .flatten()
            .map(|part| part.to_lowercase())
            .collect::<Vec<_>>()
            .join("\u{1f}")
        }

        /// The ids of the rows whose text contains the trimmed,
        /// lower-cased `filter`, computed the obvious way.
        fn naive_ids(rows: &[RemoteKey], filter: &str) -> Vec<String> {
            let needle = filter.trim().to_lowercase();
            rows.iter()
                .filter(|key| naive_text(key).contains(&needle))
                .map(|key| key.id.clone())
                .collect()
        }

        fn ids(table: &KeyTable) -> Vec<String> {
            (0..table.visible_len())
                .map(|i| table.visible_row(i).unwrap().id.clone())
                .collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            /// The memmem search shows exactly the rows whose lower-cased
            /// text `str::contains` the lower-cased filter, whether the
            /// filter is searched afresh or narrows the previous result.
            #[test]
            fn search_equals_naive_contains_on_lowercased_text(
                parts in proptest::collection::vec(
                    (
                        tricky!("{0,10}"),
                        proptest::option::of("[A-Za-z0-9+/=:]{0,12}"),
                        proptest::option::of(tricky!("{0,6}")),
                        proptest::option::of(tricky!("{0,10}")),
                    ),
                    1..20,
                ),
                picks in proptest::collection::vec(
                    (
                        proptest::option::of(tricky!("{1,4}")),
                        any::<proptest::sample::Index>(),
                        any::<proptest::sample::Index>(),
                        0usize..5,
                    ),
                    1..12,
                ),
            ) {
                let rows: Vec<RemoteKey> = parts
                    .iter()
                    .enumerate()
                    .map(|(i, (name, sha256, md5, comment))| RemoteKey {
                        id: format!("{i:03}"),
                        name: name.as_str().into(),
                        fingerprint_sha256: sha256.as_ref().map(|fp| format!("SHA256:{fp}")),
                        fingerprint_md5: md5.clone(),
                        comment: comment.as_deref().map(Into::into),
                        ..RemoteKey::default()
                    })
                    .collect();
                let mut narrowing = KeyTable::default();
                narrowing.set_rows(rows.clone());
                for (random, row, start, len) in &picks {
                    // Either random text or a piece of a row's text in upper
                    // case, so that most filters match somewhere.
                    let filter = random.clone().unwrap_or_else(|| {
                        let text: Vec<char> = naive_text(&rows[row.index(rows.len())]).chars().collect();
                        let from = start.index(text.len() + 1);
                        let piece: String = text[from..(from + len).min(text.len())].iter().collect();
                        piece.to_uppercase()
                    });
                    let expected = naive_ids(&rows, &filter);
                    narrowing.set_filter(&filter);
                    prop_assert_eq!(ids(&narrowing), expected.clone(), "narrowing, filter {:?}", filter);
                    let mut fresh = KeyTable::default();
                    fresh.set_rows(rows.clone());
                    fresh.set_filter(&filter);
                    prop_assert_eq!(ids(&fresh), expected, "fresh, filter {:?}", filter);
                }
            }

            /// Typing over more rows than `ONE_PASS_ROWS` (where narrowing
            /// by a name or comment needle searches in one pass) shows the
            /// same rows as `str::contains`, prefix after prefix.
            #[test]
            fn one_pass_narrowing_equals_naive_contains(
                parts in proptest::collection::vec(
                    (tricky!("{0,8}"), proptest::option::of(tricky!("{0,8}"))),
                    1..8,
                ),
                typed in proptest::collection::vec(tricky!("{1,6}"), 1..4),
            ) {
                let rows: Vec<RemoteKey> = (0..ONE_PASS_ROWS + 100)
                    .map(|i| {
                        let (name, comment) = &parts[i % parts.len()];
                        RemoteKey {
                            id: format!("{i:05}"),
                            // Rows differ, and some names end where the
                            // next row's text could continue a match.
                            name: format!("{name}{}", i % 7).into(),
                            comment: comment.as_deref().map(Into::into),
                            fingerprint_sha256: Some(format!("SHA256:{i:x}")),
                            ..RemoteKey::default()
                        }
                    })
                    .collect();
                let mut table = KeyTable::default();
                table.set_rows(rows.clone());
                for word in &typed {
                    // Each word typed a character at a time (prefixes
                    // extend), then the next word replaces it.
                    let mut filter = String::new();
                    for c in word.chars() {
                        filter.push(c);
                        let expected = naive_ids(&rows, &filter);
                        table.set_filter(&filter);
                        prop_assert_eq!(ids(&table), expected, "filter {:?}", filter);
                    }
                }
            }

            /// `find_from` agrees with `str::find` from any character
            /// boundary, non-ASCII text included.
            #[test]
            fn find_from_equals_str_find(
                text in tricky!("{0,80}"),
                needle in tricky!("{1,3}"),
                start in any::<proptest::sample::Index>(),
            ) {
                let boundaries: Vec<usize> =
                    (0..=text.len()).filter(|&at| text.is_char_boundary(at)).collect();
                let from = boundaries[start.index(boundaries.len())];
                let expected = text[from..].find(needle.as_str()).map(|at| from + at);
                let finder = Finder::new(&needle);
                prop_assert_eq!(find_from(&finder, text.as_bytes(), from), expected);
            }
        }
    }
}
