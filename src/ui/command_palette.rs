//! The command palette (Ctrl+K), after rerun's `re_ui` command palette:
//! one text box, fuzzy-searched over every command and every account,
//! each with its shortcut. ↑/↓ move the highlight, Enter runs it, Esc (or
//! a click outside) closes. It is modal: nothing behind it reacts meanwhile.
//!
//! The matcher is a few lines of our own ([`fuzzy_score`]) rather than a
//! crate: a few dozen short entries need no more.

use egui::{Key, Modifiers};

use super::modal::{Layer, Modal, ModalContext, ModalFrame, Outcome, Step};

/// What the palette lists (declared beside the modal layer, which hands
/// the entries to the palette while it draws).
pub use super::modal::PaletteEntry;

/// The query box's accessible name.
pub const QUERY_LABEL: &str = "Command:";

/// How many matches are drawn at most: the list stays short and cheap
/// whatever the number of accounts.
const MAX_SHOWN: usize = 50;

/// The palette's state while open.
#[derive(Debug, Default)]
pub struct CommandPalette {
    query: String,
    /// Index of the highlighted match.
    highlighted: usize,
    /// This frame's Enter, ↑ and ↓ presses (see [`CommandPalette::take_keys`]).
    keys: (bool, usize, usize),
}

impl CommandPalette {
    /// Takes this frame's Enter, ↑ and ↓ before anything else is drawn:
    /// the text box would move its cursor with them and end editing on
    /// Enter, and the scroll areas behind the palette would scroll.
    pub fn take_keys(&mut self, ctx: &egui::Context) {
        self.keys = ctx.input_mut(|i| {
            (
                i.consume_key(Modifiers::NONE, Key::Enter),
                i.count_and_consume_key(Modifiers::NONE, Key::ArrowUp),
                i.count_and_consume_key(Modifiers::NONE, Key::ArrowDown),
            )
        });
    }

    /// Draws the palette over `entries` for one frame.
    fn draw(&mut self, ctx: &egui::Context, entries: Vec<PaletteEntry>) -> Step {
        let (enter, up, down) = std::mem::take(&mut self.keys);
        let mut chosen = None;
        let shown = ModalFrame::new("command_palette", 520.0).show(ctx, |ui| {
            let label = ui.label(QUERY_LABEL);
            let response = ui
                .add(
                    egui::TextEdit::singleline(&mut self.query)
                        .id(egui::Id::unique("command_palette_query"))
                        .hint_text("a command, or an account's name")
                        .desired_width(f32::INFINITY)
                        .lock_focus(true),
                )
                .labelled_by(label.id);
            response.request_focus();
            if response.changed() {
                self.highlighted = 0;
            }
            let matches = rank(&self.query, &entries);
            if matches.is_empty() {
                ui.weak("Nothing matches.");
                return;
            }
            let last = matches.len() - 1;
            self.highlighted = self
                .highlighted
                .saturating_add(down)
                .saturating_sub(up)
                .min(last);
            let scroll = up + down > 0;
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .auto_shrink([false, true])
                .show(ui, |ui| {
                    for (position, &index) in matches.iter().enumerate() {
                        let entry = &entries[index];
                        let highlighted = position == self.highlighted;
                        let mut button =
                            egui::Button::selectable(highlighted, entry.label.as_str())
                                .min_size(egui::vec2(ui.available_width(), 0.0));
                        if let Some(shortcut) = &entry.shortcut {
                            button = button.right_text(
                                egui::RichText::new(ctx.format_shortcut(shortcut)).weak(),
                            );
                        }
                        let response = ui.add(button);
                        if highlighted && scroll {
                            response.scroll_to_me(None);
                        }
                        if response.clicked() || (highlighted && enter) {
                            chosen = Some(index);
                        }
                    }
                });
        });
        if let Some(index) = chosen {
            // `entries` is this frame's own list: take the action out of it.
            return match entries.into_iter().nth(index) {
                Some(entry) => Step::Done(Outcome::Run(Box::new(entry.action))),
                None => Step::Close,
            };
        }
        Step::close_if(shown.dismissed(false))
    }
}

/// The palette on the modal stack: its entries come from the app as it
/// draws, and a chosen command is carried out once it has closed.
impl Modal for CommandPalette {
    fn show(&mut self, ctx: &egui::Context, cx: &mut ModalContext<'_>) -> Step {
        self.draw(ctx, (cx.palette_entries)())
    }

    fn layer(&self) -> Layer {
        Layer::Palette
    }

    fn before_panels(&mut self, ctx: &egui::Context) {
        self.take_keys(ctx);
    }
}

/// Indices of the entries matching `query`, best first (ties keep the
/// entries' order); every entry for an empty query. At most [`MAX_SHOWN`].
fn rank(query: &str, entries: &[PaletteEntry]) -> Vec<usize> {
    let mut scored: Vec<(i32, usize)> = entries
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| Some((fuzzy_score(query, &entry.label)?, index)))
        .collect();
    // Stable: equal scores stay in the entries' order.
    scored.sort_by_key(|&(score, _)| std::cmp::Reverse(score));
    scored.truncate(MAX_SHOWN);
    scored.into_iter().map(|(_, index)| index).collect()
}

/// How well `query` matches `target`, ignoring case; `None` if it does not.
/// Each word of the query must occur in the target, in any order: whole
/// (best at the start of a word), or else as letters in order ("rfa" in
/// "Refresh all"), where letters that follow each other or start words
/// count more. Shorter targets win ties. An empty query matches everything
/// equally.
pub fn fuzzy_score(query: &str, target: &str) -> Option<i32> {
    let target: Vec<char> = target.chars().flat_map(char::to_lowercase).collect();
    let mut total = 0;
    let mut any = false;
    for word in query.split_whitespace() {
        any = true;
        let word: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
        total += word_score(&word, &target)?;
    }
    if !any {
        return Some(0);
    }
    Some(total - i32::try_from(target.len()).unwrap_or(i32::MAX) / 4)
}

/// True when `target[at]` starts a word.
fn starts_word(target: &[char], at: usize) -> bool {
    at == 0 || !target[at - 1].is_alphanumeric()
}

fn word_score(word: &[char], target: &[char]) -> Option<i32> {
    let length = i32::try_from(word.len()).unwrap_or(i32::MAX);
    // Whole: the best occurrence (at a word start if there is one).
    let mut best: Option<i32> = None;
    if word.len() <= target.len() {
        for at in 0..=target.len() - word.len() {
            if target[at..at + word.len()] == *word {
                let mut score = 100 + 10 * length;
                if starts_word(target, at) {
                    score += 50;
                }
                if at == 0 {
                    score += 25;
                }
                best = best.max(Some(score));
            }
        }
    }
    if best.is_some() {
        return best;
    }
    // Letters in order, taken greedily.
    let mut score = 0;
    let mut previous: Option<usize> = None;
    let mut from = 0;
    for &letter in word {
        let at = from + target[from..].iter().position(|&c| c == letter)?;
        score += 5;
        if previous.is_some_and(|p| p + 1 == at) {
            score += 10;
        }
        if starts_word(target, at) {
            score += 15;
        }
        let gap = at - previous.map_or(0, |p| p + 1);
        score -= i32::try_from(gap).unwrap_or(i32::MAX).min(20);
        previous = Some(at);
        from = at + 1;
    }
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::UiAction;

    fn labels<'a>(query: &str, entries: &'a [PaletteEntry]) -> Vec<&'a str> {
        rank(query, entries)
            .into_iter()
            .map(|index| entries[index].label.as_str())
            .collect()
    }

    fn entries(labels: &[&str]) -> Vec<PaletteEntry> {
        labels
            .iter()
            .map(|label| PaletteEntry::new(*label, None, UiAction::RefreshAll))
            .collect()
    }

    #[test]
    fn matches_words_and_letters_in_order_ignoring_case() {
        assert!(fuzzy_score("refresh all", "Refresh all").is_some());
        assert!(
            fuzzy_score("ALL refresh", "Refresh all").is_some(),
            "any order"
        );
        assert!(fuzzy_score("rfa", "Refresh all").is_some());
        assert!(fuzzy_score("go prod", "Go to account Prod GPUs").is_some());
        assert!(fuzzy_score("xyz", "Refresh all").is_none());
        assert!(fuzzy_score("lla", "all").is_none(), "letters in order only");
        assert_eq!(fuzzy_score("  ", "anything"), Some(0));
        assert!(fuzzy_score("é", "Clé").is_some(), "not just ASCII");
        assert!(fuzzy_score("ß", "").is_none());
    }

    #[test]
    fn best_matches_first() {
        let list = entries(&[
            "Refresh this account",
            "Go to account Hall of fame",
            "Refresh all",
            "Delete…",
        ]);
        assert_eq!(labels("refresh all", &list)[0], "Refresh all");
        assert_eq!(labels("hall", &list)[0], "Go to account Hall of fame");
        assert_eq!(labels("del", &list), ["Delete…"]);
        assert_eq!(labels("", &list).len(), 4, "everything, in order");
        assert_eq!(labels("", &list)[0], "Refresh this account");
    }
}
