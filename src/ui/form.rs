//! Dialog fields in two columns, labels on the left and fields on the
//! right, as the egui demo's settings and GNOME's HIG lay them out: labels
//! of different widths no longer push their fields to different places.
//!
//! A dialog opens one [`grid`] and adds rows: [`text_row`] and
//! [`password_row`] for text boxes, [`row`] for anything else, [`note_row`]
//! for a hint or an error under a field (in the fields column, wrapping at
//! the dialog's edge).

/// The width of single-line text boxes, and where notes under them wrap.
pub const FIELD_WIDTH: f32 = 340.0;

/// A two-column grid named `id_salt` (unique within the dialog).
pub fn grid<R>(
    ui: &mut egui::Ui,
    id_salt: &str,
    add_rows: impl FnOnce(&mut egui::Ui) -> R,
) -> egui::InnerResponse<R> {
    egui::Grid::new(id_salt)
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, add_rows)
}

/// A row: `label`, then whatever `add` puts in the fields column (laid out
/// left to right), given the label's id to name its field with
/// (`Response::labelled_by`).
pub fn row<R>(ui: &mut egui::Ui, label: &str, add: impl FnOnce(&mut egui::Ui, egui::Id) -> R) -> R {
    let label = ui.label(label);
    let inner = ui.horizontal(|ui| add(ui, label.id)).inner;
    ui.end_row();
    inner
}

/// A row with a single-line text box named by its label.
pub fn text_row(ui: &mut egui::Ui, label: &str, value: &mut String) -> egui::Response {
    row(ui, label, |ui, label| {
        ui.add(egui::TextEdit::singleline(value).desired_width(FIELD_WIDTH))
            .labelled_by(label)
    })
}

/// Like [`text_row`], hiding what is typed.
pub fn password_row(ui: &mut egui::Ui, label: &str, value: &mut String) -> egui::Response {
    row(ui, label, |ui, label| {
        ui.add(
            egui::TextEdit::singleline(value)
                .password(true)
                .desired_width(FIELD_WIDTH),
        )
        .labelled_by(label)
    })
}

/// A row with nothing in the labels column: a hint, an error or a
/// checkbox under the field above, wrapping at the dialog's edge.
pub fn note_row<R>(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    // An empty cell: the grid places one allocation per cell.
    ui.allocate_space(egui::Vec2::ZERO);
    let inner = field_cell(ui, add);
    ui.end_row();
    inner
}

/// A fields-column cell whose text wraps at the dialog's edge (the grid's
/// last column reaches it) instead of widening the dialog; at
/// [`FIELD_WIDTH`] where nothing bounds it.
pub fn field_cell<R>(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let available = ui.available_width();
    let width = if available.is_finite() && available > 0.0 {
        available
    } else {
        FIELD_WIDTH
    };
    // Not `allocate_ui_with_layout(vec2(width, 0.0), …)`: a grid centres a
    // zero-height cell on the row's previous height, so a tall field hung
    // half its height into the row below.
    ui.vertical(|ui| {
        ui.set_max_width(width);
        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
        add(ui)
    })
    .inner
}
