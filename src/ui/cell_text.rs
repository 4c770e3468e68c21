//! Table cell text, laid out once and then only painted.
//!
//! A label lays its text out again every frame: it copies the text into a
//! layout job, hashes that to find egui's cached galley, and registers a
//! widget. A keys table shows the same few dozen cells frame after frame,
//! so it keeps each shown cell's galley here, keyed by the table's stamp,
//! the row and the column, and paints it: the table then costs less than a
//! bare `egui_extras` table of labels (docs/PERFORMANCE.md, issue 15).
//!
//! Screen readers lose nothing: with AccessKit on, each cell's text becomes
//! the name of the cell's own node (role `Cell`), which is also how tests
//! and AT-SPI find a row by its text.

use std::sync::Arc;

use egui::text::{LayoutJob, TextFormat, TextWrapping};
use egui::{Color32, Galley, Id, IdMap, TextStyle, TextWrapMode};

/// Which font a cell's text uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellFont {
    /// The body font.
    Body,
    /// The monospace font (ids).
    Monospace,
    /// The monospace font, cut in the middle (`SHA256:abcd…wxyz`): both
    /// ends of a fingerprint are what people compare.
    Fingerprint,
}

/// The colour a cell's text is painted in (a selected row's override wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// The normal text colour.
    Normal,
    /// The weak colour, for "—" and other absent values.
    Weak,
    /// The warning colour (a weak key's algorithm).
    Warn,
}

/// One cell's galley and what it was laid out for.
#[derive(Clone)]
struct Entry {
    /// The width the text was truncated to (infinite: not truncated).
    width: f32,
    galley: Arc<Galley>,
    /// The text was cut (at its end or in its middle).
    cut: bool,
    /// The whole text when the galley holds less than its start (a middle
    /// cut): the cell's accessible name.
    whole: Option<String>,
    /// The pass that last painted it.
    used: u64,
}

/// What every kept galley depends on besides its cell: when any of this
/// changes, they are all laid out again.
#[derive(Clone, PartialEq)]
struct Basis {
    pixels_per_point: f32,
    text_options: egui::epaint::text::TextOptions,
    body: egui::FontId,
    monospace: egui::FontId,
}

/// The galleys kept between frames, in egui's temporary memory.
#[derive(Clone, Default)]
struct Kept {
    basis: Option<Basis>,
    /// The font atlas's fill ratio last pass: it only falls when egui has
    /// cleared the atlas, which leaves every kept galley pointing at
    /// glyphs that are gone.
    atlas_fill: f32,
    entries: IdMap<Entry>,
    /// The width of one monospace character, once a fingerprint measured
    /// it (see [`CellTexts::layout`]).
    mono_advance: Option<f32>,
}

/// The galleys of one table for one pass: [`CellTexts::load`] them before
/// the table, [`CellTexts::paint`] each cell, [`CellTexts::keep`] after.
pub struct CellTexts {
    id: Id,
    kept: Kept,
    pass: u64,
    /// AccessKit is on: cells get their text as their node's name.
    accessible: bool,
}

impl CellTexts {
    /// The galleys kept for the table `id`, dropped when the fonts, the
    /// scale or the font atlas changed since they were laid out.
    pub fn load(ui: &egui::Ui, id: Id) -> Self {
        let ctx = ui.ctx();
        let mut kept: Kept = ui.data_mut(|data| data.remove_temp(id)).unwrap_or_default();
        let basis = Basis {
            pixels_per_point: ctx.pixels_per_point(),
            text_options: ctx.fonts(|fonts| *fonts.options()),
            body: egui::FontSelection::Default.resolve(ui.style()),
            monospace: TextStyle::Monospace.resolve(ui.style()),
        };
        let atlas_fill = ctx.fonts(|fonts| fonts.font_atlas_fill_ratio());
        if kept.basis.as_ref() != Some(&basis) || atlas_fill < kept.atlas_fill {
            kept.entries.clear();
            kept.mono_advance = None;
            kept.basis = Some(basis);
        }
        kept.atlas_fill = atlas_fill;
        Self {
            id,
            kept,
            pass: ctx.cumulative_pass_nr(),
            accessible: ctx.accesskit_node_builder(ui.unique_id(), |_| ()).is_some(),
        }
    }

    /// Paints one cell's text at the left of the cell `ui`, centred
    /// vertically and cut to the cell's width with "…". `cell` names the
    /// text (table stamp, row, column): the same `cell` must always mean
    /// the same text. `text` is only called when the cell is laid out.
    /// Returns whether the text was cut.
    pub fn paint<'t>(
        &mut self,
        ui: &mut egui::Ui,
        cell: Id,
        font: CellFont,
        tone: Tone,
        text: impl FnOnce() -> std::borrow::Cow<'t, str>,
    ) -> bool {
        let rect = ui.max_rect();
        let sizing = ui.is_sizing_pass();
        if !sizing && !ui.is_rect_visible(rect) {
            return false;
        }
        // A sizing pass (double-click on a column edge) measures whole texts.
        let width = if sizing { f32::INFINITY } else { rect.width() };
        let entry = match self.kept.entries.get_mut(&cell) {
            Some(entry) if entry.width == width => entry,
            _ => {
                let (galley, whole) = self.layout(ui, font, width, text().into_owned());
                self.kept.entries.insert(
                    cell,
                    Entry {
                        width,
                        cut: galley.elided || whole.is_some(),
                        galley,
                        whole,
                        used: self.pass,
                    },
                );
                self.kept.entries.get_mut(&cell).expect("just inserted")
            }
        };
        entry.used = self.pass;
        let (cut, galley) = (entry.cut, Arc::clone(&entry.galley));
        let name = self.accessible.then(|| match &entry.whole {
            Some(whole) => whole.clone(),
            None => galley.text().to_owned(),
        });
        let visuals = ui.visuals();
        let color = visuals.override_text_color.unwrap_or(match tone {
            Tone::Normal => visuals.text_color(),
            Tone::Weak => visuals.weak_text_color(),
            Tone::Warn => visuals.warn_fg_color,
        });
        let pos = egui::pos2(rect.left(), rect.center().y - galley.size().y / 2.0);
        // The column's measured width (for fitting it to its contents).
        ui.advance_cursor_after_rect(egui::Rect::from_min_size(pos, galley.size()));
        if let Some(name) = name {
            ui.ctx().accesskit_node_builder(ui.unique_id(), |node| {
                node.set_role(egui::accesskit::Role::Cell);
                node.set_label(name);
                // A `Ui`'s node has no bounds of its own; these let a
                // screen reader (or a test) point at the cell.
                node.set_bounds(egui::accesskit::Rect {
                    x0: rect.min.x.into(),
                    y0: rect.min.y.into(),
                    x1: rect.max.x.into(),
                    y1: rect.max.y.into(),
                });
            });
        }
        ui.painter().galley(pos, galley, color);
        cut
    }

    /// Keeps this pass's galleys for the next (only those painted now: the
    /// rows scrolled away are dropped).
    pub fn keep(mut self, ui: &egui::Ui) {
        let pass = self.pass;
        self.kept.entries.retain(|_, entry| entry.used == pass);
        ui.data_mut(|data| data.insert_temp(self.id, self.kept));
    }

    /// The galley of `text` cut to `width`, and the whole text when it was
    /// cut in the middle.
    fn layout(
        &mut self,
        ui: &egui::Ui,
        font: CellFont,
        width: f32,
        text: String,
    ) -> (Arc<Galley>, Option<String>) {
        if font != CellFont::Fingerprint || !width.is_finite() {
            return (self.layout_cut_at_end(ui, font, width, text), None);
        }
        let chars: Vec<char> = text.chars().collect();
        // Fingerprints are ASCII in a monospace font: once one character's
        // width is known, how many fit is arithmetic, and a cell costs one
        // layout like any other (trying lengths cost four per cell, the
        // dearest part of a frame that scrolls new rows in).
        let advance = match self.kept.mono_advance {
            Some(advance) if text.is_ascii() => advance,
            _ => {
                let whole = self.layout_cut_at_end(ui, font, f32::INFINITY, text.clone());
                if whole.size().x <= width {
                    return (whole, None);
                }
                let advance = whole.size().x / chars.len().max(1) as f32;
                if text.is_ascii() {
                    self.kept.mono_advance = Some(advance);
                }
                advance
            }
        };
        // "…" is one character wide too (checked: the galley is measured).
        let fit = (width / advance.max(0.1)) as usize;
        if fit >= chars.len() {
            let galley = self.layout_cut_at_end(ui, font, width, text);
            if !galley.elided {
                return (galley, None);
            }
            let text = galley.text().to_owned();
            return self.cut_in_middle_or_end(ui, width, text, &chars, chars.len() - 1);
        }
        self.cut_in_middle_or_end(ui, width, text, &chars, fit.saturating_sub(1))
    }

    /// `text` cut in the middle to at most `keep` characters (fewer if
    /// they do not fit `width`), with the whole text for its name; cut at
    /// the end when not even a character of each end fits.
    fn cut_in_middle_or_end(
        &self,
        ui: &egui::Ui,
        width: f32,
        text: String,
        chars: &[char],
        keep: usize,
    ) -> (Arc<Galley>, Option<String>) {
        match self.layout_cut_in_middle(ui, width, chars, keep) {
            Some(middle) => (middle, Some(text)),
            // Too narrow for both ends: the start alone.
            None => (
                self.layout_cut_at_end(ui, CellFont::Fingerprint, width, text),
                None,
            ),
        }
    }

    /// `chars` as their start and end around "…", `keep` characters or
    /// fewer, as many as fit `width` (the first try mostly does); `None`
    /// when not even a character of each end fits.
    fn layout_cut_in_middle(
        &self,
        ui: &egui::Ui,
        width: f32,
        chars: &[char],
        mut keep: usize,
    ) -> Option<Arc<Galley>> {
        keep = keep.min(chars.len().saturating_sub(1));
        // A short label such as "SHA256:" stays whole; what follows is
        // shared between both ends.
        let label = chars
            .iter()
            .take(8)
            .position(|&c| c == ':')
            .map_or(0, |colon| colon + 1);
        while keep >= 2 {
            let shared = if keep > label + 1 { label } else { 0 };
            let tail = (keep - shared) / 2;
            let head = keep - tail;
            let cut: String = chars[..head]
                .iter()
                .chain(['…'].iter())
                .chain(&chars[chars.len() - tail..])
                .collect();
            let galley = self.layout_cut_at_end(ui, CellFont::Fingerprint, f32::INFINITY, cut);
            if galley.size().x <= width {
                return Some(galley);
            }
            keep -= 1;
        }
        None
    }

    fn layout_cut_at_end(
        &self,
        ui: &egui::Ui,
        font: CellFont,
        width: f32,
        text: String,
    ) -> Arc<Galley> {
        let style = ui.style();
        let font_id = match font {
            // As a label: the style's override, else the body font.
            CellFont::Body => egui::FontSelection::Default.resolve(style),
            CellFont::Monospace | CellFont::Fingerprint => TextStyle::Monospace.resolve(style),
        };
        let line_height = ui
            .ctx()
            .fonts_mut(|fonts| fonts.row_height(&font_id) + style.spacing.extra_text_line_spacing);
        let mut job = LayoutJob::simple_format(
            text,
            TextFormat {
                font_id,
                // Coloured when painted: one galley serves every theme and
                // the selected row.
                color: Color32::PLACEHOLDER,
                valign: ui.text_valign(),
                line_height: Some(line_height),
                ..Default::default()
            },
        );
        job.wrap = TextWrapping::from_wrap_mode_and_width(TextWrapMode::Truncate, width);
        ui.ctx().fonts_mut(|fonts| fonts.layout_job(job))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one frame of a 300 × 100 window whose only contents are
    /// `cells` (text, width) painted side by side through one
    /// [`CellTexts`]; returns the painted galleys (in order) and how many
    /// cells were kept after the frame.
    fn frame(ctx: &egui::Context, cells: &[(&str, f32)]) -> (Vec<Arc<Galley>>, Vec<bool>) {
        let mut elided = Vec::new();
        let mut output = ctx.run_ui(
            egui::RawInput {
                screen_rect: Some(egui::Rect::from_min_size(
                    egui::Pos2::ZERO,
                    egui::vec2(300.0, 100.0),
                )),
                ..Default::default()
            },
            |ui| {
                let mut texts = CellTexts::load(ui, Id::unique("cells"));
                let mut left = 0.0;
                for (n, (text, width)) in cells.iter().enumerate() {
                    let rect =
                        egui::Rect::from_min_size(egui::pos2(left, 0.0), egui::vec2(*width, 22.0));
                    left += width;
                    let mut cell = ui.new_child(egui::UiBuilder::new().max_rect(rect));
                    elided.push(texts.paint(
                        &mut cell,
                        Id::unique(n),
                        CellFont::Body,
                        Tone::Normal,
                        || (*text).into(),
                    ));
                }
                texts.keep(ui);
            },
        );
        // No painter here to apply the font texture's changes.
        output.textures_delta.clear();
        let galleys = output
            .shapes
            .iter()
            .filter_map(|clipped| match &clipped.shape {
                egui::Shape::Text(text) => Some(Arc::clone(&text.galley)),
                _ => None,
            })
            .collect();
        (galleys, elided)
    }

    fn kept(ctx: &egui::Context) -> usize {
        ctx.data_mut(|data| data.get_temp::<Kept>(Id::unique("cells")))
            .map_or(0, |kept| kept.entries.len())
    }

    #[test]
    fn a_cell_is_laid_out_once_and_painted_from_then_on() {
        let ctx = egui::Context::default();
        let (first, _) = frame(&ctx, &[("key-000001", 120.0), ("ACTIVE", 80.0)]);
        let (second, _) = frame(&ctx, &[("key-000001", 120.0), ("ACTIVE", 80.0)]);
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].text(), "key-000001");
        assert!(first.iter().zip(&second).all(|(a, b)| Arc::ptr_eq(a, b)));
    }

    #[test]
    fn a_new_width_scale_zoom_or_text_style_lays_the_text_out_again() {
        let ctx = egui::Context::default();
        let (before, _) = frame(&ctx, &[("key-000001", 120.0)]);
        let (wider, _) = frame(&ctx, &[("key-000001", 140.0)]);
        assert!(!Arc::ptr_eq(&before[0], &wider[0]), "new width");
        ctx.set_pixels_per_point(2.0);
        let (scaled, _) = frame(&ctx, &[("key-000001", 140.0)]);
        assert!(!Arc::ptr_eq(&wider[0], &scaled[0]), "new scale");
        ctx.set_zoom_factor(1.5);
        let (zoomed, _) = frame(&ctx, &[("key-000001", 140.0)]);
        assert!(!Arc::ptr_eq(&scaled[0], &zoomed[0]), "new zoom");
        ctx.all_styles_mut(|style| style.override_text_style = Some(TextStyle::Heading));
        let (restyled, _) = frame(&ctx, &[("key-000001", 140.0)]);
        assert!(!Arc::ptr_eq(&zoomed[0], &restyled[0]), "new text style");
    }

    /// Paints `text` as a fingerprint in a cell `width` wide, AccessKit
    /// on; returns the characters drawn, whether the cell says it was
    /// cut, and the cell's accessible name.
    fn fingerprint_cell(text: &str, width: f32) -> (String, bool, Option<String>) {
        let ctx = egui::Context::default();
        ctx.enable_accesskit();
        let mut cut = false;
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            let mut texts = CellTexts::load(ui, Id::unique("cells"));
            let rect = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(width, 22.0));
            let mut cell = ui.new_child(egui::UiBuilder::new().max_rect(rect));
            cut = texts.paint(
                &mut cell,
                Id::unique(0),
                CellFont::Fingerprint,
                Tone::Normal,
                || text.into(),
            );
            texts.keep(ui);
        });
        output.textures_delta.clear();
        let painted = output
            .shapes
            .iter()
            .find_map(|clipped| match &clipped.shape {
                egui::Shape::Text(shape) => {
                    assert!(shape.galley.size().x <= width, "{}", shape.galley.size().x);
                    // What is drawn: the glyphs (an end cut keeps the
                    // whole text in the galley).
                    Some(
                        shape
                            .galley
                            .rows
                            .iter()
                            .flat_map(|row| row.glyphs.iter().map(|glyph| glyph.chr))
                            .collect::<String>(),
                    )
                }
                _ => None,
            })
            .expect("a text");
        let update = output.platform_output.accesskit_update.expect("an update");
        let name = update
            .nodes
            .iter()
            .find(|(_, node)| node.role() == egui::accesskit::Role::Cell)
            .and_then(|(_, node)| node.label().map(str::to_owned));
        (painted, cut, name)
    }

    /// Paints each `(text, width)` as a fingerprint, one under the other,
    /// in one frame of `ctx` (so every cell after the first fingerprint
    /// uses the character width it measured); returns the characters each
    /// cell drew and whether it says it was cut.
    fn fingerprint_cells(ctx: &egui::Context, cells: &[(&str, f32)]) -> Vec<(String, bool)> {
        let mut cut = Vec::new();
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            let mut texts = CellTexts::load(ui, Id::unique("cells"));
            for (row, &(text, width)) in cells.iter().enumerate() {
                let top = egui::pos2(0.0, 22.0 * row as f32);
                let rect = egui::Rect::from_min_size(top, egui::vec2(width, 22.0));
                let mut cell = ui.new_child(egui::UiBuilder::new().max_rect(rect));
                let font = CellFont::Fingerprint;
                cut.push(
                    texts.paint(&mut cell, Id::unique(row), font, Tone::Normal, || {
                        text.into()
                    }),
                );
            }
            texts.keep(ui);
        });
        output.textures_delta.clear();
        let drawn = output
            .shapes
            .iter()
            .filter_map(|clipped| match &clipped.shape {
                egui::Shape::Text(shape) => Some(
                    (shape.galley.rows.iter())
                        .flat_map(|row| row.glyphs.iter().map(|glyph| glyph.chr))
                        .collect::<String>(),
                ),
                _ => None,
            });
        drawn.zip(cut).collect()
    }

    #[test]
    fn fingerprints_cut_by_the_measured_width_are_as_wide_as_fits() {
        let sha = "SHA256:Xq3bD5f7G9h1J3k5L7m9N1p3R5t7V9x1Z3b5D7f9H1j";
        let md5 = "MD5:12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0";
        // Not ASCII: measured whole, whatever was measured before.
        let odd = "SHA256:ÄÖÜäöüßÄÖÜäöüßÄÖÜäöüßÄÖÜäöüßÄÖÜäöüß";
        let widths = [30.0, 75.0, 120.0, 150.0, 230.0, 500.0];
        let cells: Vec<(&str, f32)> = (widths.iter())
            .flat_map(|&width| [(sha, width), (md5, width), (odd, width)])
            .collect();
        let ctx = egui::Context::default();
        let drawn = fingerprint_cells(&ctx, &cells);
        assert_eq!(drawn.len(), cells.len());
        let font = TextStyle::Monospace.resolve(&ctx.global_style());
        let width_of = |text: &str| {
            ctx.fonts_mut(|fonts| {
                (fonts.layout_no_wrap(text.into(), font.clone(), Color32::WHITE))
                    .size()
                    .x
            })
        };
        for (&(text, width), (painted, cut)) in cells.iter().zip(&drawn) {
            assert!(width_of(painted) <= width, "{painted:?} fits {width}");
            if !cut {
                assert_eq!(painted, text);
                continue;
            }
            let (head, tail) = painted.split_once('…').expect("cut");
            assert!(
                text.starts_with(head) && text.ends_with(tail),
                "{painted:?}"
            );
            if tail.is_empty() {
                // Cut at the end: too narrow for both ends.
                assert!(width < 60.0, "{painted:?} at {width}");
                continue;
            }
            // One more character of the text would not fit.
            let next = text[head.len()..].chars().next().expect("a character");
            let wider = format!("{head}{next}…{tail}");
            assert!(width_of(&wider) > width, "{wider:?} would fit {width}");
        }
        // Wide enough, every one is whole; narrow, every one is cut.
        assert!(drawn[15..].iter().all(|(_, cut)| !cut));
        assert!(drawn[..9].iter().all(|(_, cut)| *cut));
    }

    #[test]
    fn a_fingerprint_is_cut_in_the_middle_and_named_whole() {
        let sha = "SHA256:Xq3bD5f7G9h1J3k5L7m9N1p3R5t7V9x1Z3b5D7f9H1j";
        let (painted, cut, name) = fingerprint_cell(sha, 150.0);
        assert!(cut);
        let (head, tail) = painted.split_once('…').expect("cut in the middle");
        assert!(head.starts_with("SHA256:") && head.len() > 7, "{painted}");
        assert!(sha.starts_with(head) && sha.ends_with(tail) && tail.len() >= 4);
        assert_eq!(name.as_deref(), Some(sha));
        // Wide enough: whole. Too narrow for both ends: cut at the end.
        assert_eq!(
            fingerprint_cell(sha, 2000.0),
            (sha.into(), false, Some(sha.into()))
        );
        let (painted, cut, name) = fingerprint_cell(sha, 14.0);
        assert!(
            cut && painted.ends_with('…') && painted.len() < 12,
            "{painted}"
        );
        assert_eq!(name.as_deref(), Some(sha));
    }

    #[test]
    fn a_narrow_cell_cuts_its_text_with_an_ellipsis_and_says_so() {
        let ctx = egui::Context::default();
        let long = "a-very-long-key-name-that-does-not-fit";
        let (galleys, elided) = frame(&ctx, &[(long, 60.0), ("short", 60.0)]);
        assert_eq!(elided, [true, false]);
        assert!(galleys[0].elided);
        assert!(galleys[0].size().x <= 60.0, "{}", galleys[0].size().x);
        // The whole text stays the galley's (and the cell's accessible name).
        assert_eq!(galleys[0].text(), long);
    }

    #[test]
    fn cells_no_longer_painted_are_dropped() {
        let ctx = egui::Context::default();
        frame(&ctx, &[("one", 60.0), ("two", 60.0), ("three", 60.0)]);
        assert_eq!(kept(&ctx), 3);
        frame(&ctx, &[("one", 60.0)]);
        assert_eq!(kept(&ctx), 1);
    }

    #[test]
    fn with_accesskit_on_each_cell_is_named_by_its_text() {
        let ctx = egui::Context::default();
        ctx.enable_accesskit();
        let mut names = Vec::new();
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            let mut texts = CellTexts::load(ui, Id::unique("cells"));
            let rect = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(40.0, 22.0));
            let mut cell = ui.new_child(egui::UiBuilder::new().max_rect(rect));
            texts.paint(
                &mut cell,
                Id::unique(0),
                CellFont::Monospace,
                Tone::Weak,
                || "SHA256:abcdefghijklmnop".into(),
            );
            texts.keep(ui);
        });
        output.textures_delta.clear();
        let update = output.platform_output.accesskit_update.expect("an update");
        for (_, node) in &update.nodes {
            if node.role() == egui::accesskit::Role::Cell {
                names.push((node.label().map(str::to_owned), node.bounds()));
            }
        }
        assert_eq!(names.len(), 1, "{names:?}");
        let (name, bounds) = &names[0];
        // The whole text, although the 40-point cell shows only its start.
        assert_eq!(name.as_deref(), Some("SHA256:abcdefghijklmnop"));
        let bounds = bounds.expect("bounds to point at");
        assert_eq!((bounds.x0, bounds.x1), (0.0, 40.0));
    }
}
